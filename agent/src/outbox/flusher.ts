// Delivers the outbox to POST /agent/v1/events (spec/agent.md §10): the oldest batch first, each
// acknowledged before the next is taken, so the platform sees events in the order they happened.
// A failed delivery keeps everything and retries with jittered backoff (Retry-After wins); a
// reconnect (the heartbeat got through) retries at once. Events the platform names as invalid are
// discarded so one bad event cannot block the queue behind it.
import type { AgentEvent, EventsResponse } from "@nodepilot/core/agent-protocol";
import { nextDelay } from "../client/backoff.ts";
import { PlatformProblemError } from "../client/errors.ts";
import type { AgentEventDraft, AgentEventSink, Outbox, OutboxBatch } from "./outbox.ts";

/** With nothing queued the loop sleeps until an emit wakes it; this only bounds a missed wake-up. */
const IDLE_MS = 60_000;

export interface FlusherOptions {
  outbox: Outbox;
  send(events: AgentEvent[], signal?: AbortSignal): Promise<EventsResponse>;
  log?: (msg: string) => void;
  rng?: () => number;
}

export interface DrainResult {
  batches: number;
  accepted: number;
  duplicates: number;
}

const EVENT_PATH = /^events\.(\d+)(\.|$)/;

/** What ends a sleep early: new events end an idle one, a reconnect also a backoff. */
type SleepKind = "idle" | "backoff" | "retry_after";

export class OutboxFlusher implements AgentEventSink {
  private maxBatch: number | undefined;
  private failures = 0;
  private sleeper: { wake: () => void; kind: SleepKind } | null = null;
  private dirty = false;

  constructor(private readonly opts: FlusherOptions) {}

  /** Queues an event durably and wakes the loop to send it. */
  async emit(draft: AgentEventDraft): Promise<void> {
    await this.opts.outbox.emit(draft);
    this.notify();
  }

  /** New events: wakes an idle loop, but never cuts a backoff short. */
  notify(): void {
    this.dirty = true;
    if (this.sleeper?.kind === "idle") this.sleeper.wake();
  }

  /** The platform answered another call: stop backing off and send now (a Retry-After still holds). */
  reconnected(): void {
    this.failures = 0;
    this.dirty = true;
    if (this.sleeper && this.sleeper.kind !== "retry_after") this.sleeper.wake();
  }

  /** Sends batches until the outbox is empty; throws the first failure that is not a refused event. */
  async drain(signal?: AbortSignal): Promise<DrainResult> {
    const out: DrainResult = { batches: 0, accepted: 0, duplicates: 0 };
    const { outbox } = this.opts;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const batch = outbox.nextBatch(this.maxBatch);
      if (!batch) return out;
      let res: EventsResponse;
      try {
        res = await this.opts.send(batch.events, signal);
      } catch (err) {
        outbox.release(batch);
        if (err instanceof PlatformProblemError && err.status === 400) {
          await this.refused(batch, err);
          continue;
        }
        throw err;
      }
      await outbox.ack(batch);
      this.maxBatch = undefined;
      out.batches++;
      out.accepted += res.accepted;
      out.duplicates += res.duplicates;
    }
  }

  /** Until `signal`: drain whenever there is something queued, back off after a failure. */
  async run(signal: AbortSignal, onError: (err: unknown) => void): Promise<void> {
    while (!signal.aborted) {
      this.dirty = false;
      let delay = IDLE_MS;
      let kind: SleepKind = "idle";
      if (this.opts.outbox.depth > 0) {
        try {
          const r = await this.drain(signal);
          this.failures = 0;
          if (r.duplicates > 0) this.opts.log?.(`outbox: ${r.duplicates} event(s) were already delivered`);
        } catch (err) {
          if (signal.aborted) break;
          onError(err);
          const retryAfter = err instanceof PlatformProblemError ? err.retryAfterMs : undefined;
          delay = nextDelay(this.failures++, this.opts.rng ?? Math.random, retryAfter);
          kind = retryAfter === undefined ? "backoff" : "retry_after";
        }
      }
      if (kind === "idle" && this.dirty) continue;
      await this.sleep(delay, kind, signal);
    }
  }

  /**
   * A 400 names the bad events (`events.<i>.<field>`): those are discarded. Without a name the
   * batch is split until the offender is alone, and a refused single event is discarded.
   */
  private async refused(batch: OutboxBatch, err: PlatformProblemError): Promise<void> {
    const named = new Set<number>();
    for (const e of err.problem.errors ?? []) {
      const m = EVENT_PATH.exec(e.path);
      const n = m ? batch.ns[Number(m[1])] : undefined;
      if (n !== undefined) named.add(n);
    }
    if (named.size > 0) return this.opts.outbox.discard([...named], err.message);
    if (batch.ns.length === 1) return this.opts.outbox.discard(batch.ns, err.message);
    this.maxBatch = Math.max(1, Math.floor(batch.ns.length / 2));
  }

  private sleep(ms: number, kind: SleepKind, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", wake);
        this.sleeper = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal.addEventListener("abort", wake, { once: true });
      this.sleeper = { wake, kind };
    });
  }
}
