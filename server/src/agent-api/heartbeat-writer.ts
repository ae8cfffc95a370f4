// Heartbeats built for volume (spec/agent.md §5): requests are validated by the route, coalesced per
// instance in memory, and written in batches, one transaction per batch. Group commit: a batch starts
// as soon as the previous one has committed (and at most 250 ms or 500 instances after its first
// entry), so a lone heartbeat waits for one short transaction and a storm shares a few. Steady beats
// (the vast majority) take a one-statement path (heartbeat-fast-path.ts). The caller's promise
// settles after the batch holding its entry commits, so a 200 means durable.
import { type AppError, type Logger, recordHeartbeat, toAppError } from "@nodepilot/core";
import type { HeartbeatRequest } from "@nodepilot/core/agent-protocol";
import type { Database, Tx } from "@nodepilot/store";
import type { HeartbeatEntry, HeartbeatResult } from "./heartbeat-entry.ts";
import { fastPathEligible, type SteadyPool, writeSteadyBeats } from "./heartbeat-fast-path.ts";
import {
  type BatchRow,
  batchSummaries,
  capabilityNames,
  heartbeatCandidates,
  lockBatch,
  renewListedLeases,
  writeObserved,
} from "./heartbeat-sql.ts";
import { agentOrigin } from "./node-principal.ts";

export type { HeartbeatEntry, HeartbeatResult };

interface Pending {
  entry: HeartbeatEntry;
  waiters: { ok(r: HeartbeatResult): void; fail(e: AppError): void }[];
}

export interface HeartbeatWriterOptions {
  /** Instances per transaction (default 500). */
  maxBatch?: number;
  /** How long an idle writer waits for company before it starts a batch (default 2 ms, at most 250). */
  maxDelayMs?: number;
  /**
   * Batches in flight at once (default 4). One batch waits on the database most of its time; a few
   * overlapping ones keep the connection pool and the database busy. Batches lock their rows in id
   * order, so overlapping ones cannot deadlock.
   */
  maxConcurrent?: number;
}

export class HeartbeatWriter {
  // Keyed by instance id: the coalescing buffer.
  readonly #pending = new Map<string, Pending>();
  readonly #maxBatch: number;
  readonly #maxDelayMs: number;
  readonly #maxConcurrent: number;
  readonly #flushing = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Committed batches and the instances they carried (for metrics and tests). */
  readonly stats = { batches: 0, instances: 0 };
  readonly #db: Database["db"];
  /** The steady path's statement runs on the pool itself, as a prepared statement. */
  readonly #pool: SteadyPool;

  constructor(
    database: Pick<Database, "db" | "pool">,
    private readonly logger: Logger,
    opts: HeartbeatWriterOptions = {},
  ) {
    this.#db = database.db;
    this.#pool = database.pool;
    this.#maxBatch = opts.maxBatch ?? 500;
    this.#maxDelayMs = Math.min(opts.maxDelayMs ?? 2, 250);
    this.#maxConcurrent = Math.max(1, opts.maxConcurrent ?? 4);
  }

  /** Queue one heartbeat; resolves once it is committed. A newer beat of the same instance replaces an older queued one. */
  submit(entry: HeartbeatEntry): Promise<HeartbeatResult> {
    if (this.#closed) return Promise.reject(toAppError(new Error("heartbeat writer is stopped")));
    return new Promise((ok, fail) => {
      const key = entry.instanceId;
      const queued = this.#pending.get(key);
      if (queued) {
        queued.entry = mergeEntries(queued.entry, entry);
        queued.waiters.push({ ok, fail });
      } else {
        this.#pending.set(key, { entry, waiters: [{ ok, fail }] });
      }
      this.#schedule();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#flushing.size > 0 || this.#pending.size > 0) {
      if (this.#flushing.size === 0) this.#startFlush();
      await Promise.all(this.#flushing);
    }
  }

  #schedule() {
    // At the concurrency cap, a running flush picks the queue up when it ends.
    if (this.#flushing.size >= this.#maxConcurrent) return;
    if (this.#pending.size >= this.#maxBatch) return this.#startFlush();
    // A short delay lets the heartbeats that arrive in the same moment join this batch; the cap keeps
    // the wait far below the spec's 1 s visibility bound.
    if (!this.#timer) this.#timer = setTimeout(() => this.#startFlush(), this.#maxDelayMs);
  }

  #startFlush() {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#flushing.size >= this.#maxConcurrent || this.#pending.size === 0) return;
    const batch: Pending[] = [];
    for (const [key, p] of this.#pending) {
      batch.push(p);
      this.#pending.delete(key);
      if (batch.length >= this.#maxBatch) break;
    }
    const flush: Promise<void> = this.#flush(batch).finally(() => {
      this.#flushing.delete(flush);
      if (this.#pending.size > 0) this.#startFlush();
    });
    this.#flushing.add(flush);
  }

  async #flush(batch: Pending[]): Promise<void> {
    // Steady beats first, in one statement; whatever it did not take goes through the transaction.
    const steady = batch.filter((p) => fastPathEligible(p.entry));
    let rest = batch;
    if (steady.length > 0) {
      try {
        const written = await writeSteadyBeats(
          this.#pool,
          steady.map((p) => p.entry),
        );
        rest = [];
        for (const p of batch) {
          const out = written.get(p.entry.instanceId);
          if (!out) {
            rest.push(p);
            continue;
          }
          const result: HeartbeatResult = {
            instanceId: p.entry.instanceId,
            nodeId: out.nodeId,
            renewed: [],
            lost: [],
            tasksPending: out.pending,
            assignmentsRevision: out.revision,
          };
          for (const w of p.waiters) w.ok(result);
        }
        if (written.size > 0) {
          this.stats.batches++;
          this.stats.instances += written.size;
        }
      } catch (err) {
        return this.#failAll(batch, err);
      }
    }
    if (rest.length > 0) await this.#flushTransactional(rest);
  }

  #failAll(batch: Pending[], err: unknown) {
    const e = toAppError(err);
    // Drizzle wraps the driver's error; its cause carries the database's own message.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
    this.logger.error("heartbeat batch failed", { size: batch.length, error: cause ?? String(err) });
    for (const p of batch) for (const w of p.waiters) w.fail(e);
  }

  async #flushTransactional(batch: Pending[]): Promise<void> {
    const outcomes = new Map<string, HeartbeatResult | AppError>();
    try {
      await this.#db.transaction(async (tx) => {
        outcomes.clear();
        await this.#write(tx, batch, outcomes);
      });
    } catch (err) {
      return this.#failAll(batch, err);
    }
    this.stats.batches++;
    this.stats.instances += batch.length;
    for (const p of batch) {
      const out = outcomes.get(p.entry.instanceId);
      for (const w of p.waiters) {
        if (out === undefined) w.fail(toAppError(new Error("heartbeat outcome missing")));
        else if ("instanceId" in out) w.ok(out);
        else w.fail(out);
      }
    }
  }

  async #write(tx: Tx, batch: Pending[], outcomes: Map<string, HeartbeatResult | AppError>) {
    const entries = batch.map((p) => p.entry);
    const rows = await lockBatch(tx, entries);
    const ok: { entry: HeartbeatEntry; row: BatchRow }[] = [];
    for (const entry of entries) {
      const row = rows.get(entry.instanceId);
      const refusal = heartbeatCandidates.refusal(entry, row);
      if (refusal || !row) {
        outcomes.set(entry.instanceId, refusal ?? toAppError(new Error("unreachable")));
        continue;
      }
      ok.push({ entry, row });
    }
    // Status changes (first beat, mark_running, a reboot settled) go through the instance finalizer,
    // each in a savepoint so one refusal does not sink the batch.
    const plain: typeof ok = [];
    for (const item of ok) {
      if (!heartbeatCandidates.needsFinalizer(item.entry, item.row)) {
        plain.push(item);
        continue;
      }
      try {
        await tx.transaction((sp) => recordHeartbeat(sp, origin(item.entry), finalizerInput(item.entry)));
        plain.push(item); // the observed columns it did not write (telemetry) are written below too
      } catch (err) {
        outcomes.set(item.entry.instanceId, toAppError(err));
      }
    }
    await writeObserved(
      tx,
      plain.map((p) => p.entry),
    );
    const leases = new Map<string, Awaited<ReturnType<typeof renewListedLeases>>>();
    for (const { entry } of plain) leases.set(entry.instanceId, await renewListedLeases(tx, origin(entry), entry));
    // Read after this batch's own writes (renewals, a settled reboot) so the reply reflects them.
    const summaries = await batchSummaries(
      tx,
      plain.map(({ entry, row }) => ({
        accountId: entry.accountId,
        instanceId: entry.instanceId,
        nodeId: row.node_id,
        now: entry.now,
      })),
    );
    for (const { entry, row } of plain) {
      const summary = summaries.get(entry.instanceId);
      outcomes.set(entry.instanceId, {
        instanceId: entry.instanceId,
        nodeId: row.node_id,
        renewed: leases.get(entry.instanceId)?.renewed ?? [],
        lost: leases.get(entry.instanceId)?.lost ?? [],
        tasksPending: summary?.pending ?? 0,
        assignmentsRevision: summary?.revision ?? "",
      });
    }
  }
}

const origin = (e: HeartbeatEntry) => agentOrigin(e.accountId, e.instanceId, e.now, e.requestId);

function finalizerInput(e: HeartbeatEntry) {
  return {
    instanceId: e.instanceId,
    bootId: e.body.boot_id,
    agentVersion: e.body.agent_version,
    runningModuleDigests: e.body.module_digests,
    capabilities: capabilityNames(e.body),
    bootedImageGitSha: e.body.booted_image_git_sha,
    mountMode: e.body.mount_mode,
    now: e.now,
  };
}

// The newer beat wins, but listed leases of both are renewed and a boot id change is kept visible.
function mergeEntries(older: HeartbeatEntry, newer: HeartbeatEntry): HeartbeatEntry {
  const leases = new Map<string, NonNullable<HeartbeatRequest["active_leases"]>[number]>();
  for (const l of [...(older.body.active_leases ?? []), ...(newer.body.active_leases ?? [])]) leases.set(l.task_id, l);
  return { ...newer, body: { ...newer.body, ...(leases.size ? { active_leases: [...leases.values()] } : {}) } };
}
