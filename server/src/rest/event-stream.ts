// GET /api/v1/events/stream: the fleet event log as Server-Sent Events (spec/domain.md §5.2,
// spec/autonomy.md §2.6). A server route, not a catalog operation: operations return one value and
// a stream never ends, but it is event.list's surface all the same — same auth (bearer or the web
// session cookie), same fleet:read scope check (requireScope(eventList)), the same filter fields, and
// the replay is event.list itself, followed by seq (`id:` is the event's seq, so Last-Event-ID is
// after_seq).
import { randomUUID } from "node:crypto";
import {
  type AnyOperation,
  eventList,
  fromZodError,
  invalidInput,
  invoke,
  type Principal,
  requireScope,
  type Services,
  type TokenAuthenticator,
  toAppError,
} from "@nodepilot/core";
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { EventHub, Subscription } from "../events/event-hub.ts";
import type { LiveEvent } from "../events/subscriber-queue.ts";
import { requestToken } from "../web-session/request-token.ts";
import { clientIp } from "./client-ip.ts";
import { problemResponse } from "./problem.ts";
import { API_BASE } from "./routes.ts";

export const EVENT_STREAM_PATH = `${API_BASE}/events/stream`;
const HEARTBEAT_MS = 15_000;
const REPLAY_PAGE = 200;
const SEVERITY_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;

/** event.list's filters (the stream has no pages, time window or order), plus the spec's min_severity. */
export const StreamFilters = (eventList.input as z.ZodObject)
  .pick({
    kind: true,
    severity: true,
    subject_type: true,
    subject_id: true,
    node_id: true,
    node_instance_id: true,
    task_id: true,
    correlation_id: true,
  })
  .extend({
    min_severity: z.enum(["low", "medium", "high", "critical"]).optional().describe("Same as severity."),
    last_event_id: z.string().optional().describe("For clients that cannot send the Last-Event-ID header."),
  });

interface Filters {
  kind?: string;
  severity?: keyof typeof SEVERITY_RANK;
  subject_type?: string;
  subject_id?: string;
  node_id?: string;
  node_instance_id?: string;
  task_id?: string;
  correlation_id?: string;
}

interface EventStreamDeps {
  services: Services;
  auth: TokenAuthenticator;
  hub: EventHub;
  heartbeatMs?: number;
}

function parseFilters(query: Record<string, string>): { filters: Filters; lastEventId: string | undefined } {
  const parsed = StreamFilters.safeParse(query);
  if (!parsed.success) throw fromZodError(parsed.error);
  const { min_severity, last_event_id, ...rest } = parsed.data as Filters & {
    min_severity?: Filters["severity"];
    last_event_id?: string;
  };
  const filters: Filters = rest;
  if (min_severity && filters.severity && min_severity !== filters.severity) {
    throw invalidInput("min_severity: conflicts with severity", [{ path: "min_severity", message: "give one" }]);
  }
  if (min_severity) filters.severity = min_severity;
  if (filters.subject_id && !filters.subject_type) {
    throw invalidInput("subject_type: required with subject_id", [
      { path: "subject_type", message: "required with subject_id" },
    ]);
  }
  return { filters, lastEventId: last_event_id };
}

/** The resume cursor: the seq of the last event the client saw. */
function parseCursor(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw invalidInput("Last-Event-ID: must be the seq of an event from this stream", [
      { path: "Last-Event-ID", message: "expected a non-negative integer (the event's seq)" },
    ]);
  }
  return Number(raw.trim());
}

/** The same filter event.list applies in SQL, for events arriving live. */
function matcher(f: Filters): (e: LiveEvent) => boolean {
  const prefix = f.kind?.endsWith(".*") ? f.kind.slice(0, -1) : undefined;
  const minRank = f.severity ? SEVERITY_RANK[f.severity] : 0;
  return (e) =>
    (f.kind === undefined || (prefix ? e.kind.startsWith(prefix) : e.kind === f.kind)) &&
    SEVERITY_RANK[e.severity] >= minRank &&
    (f.subject_type === undefined || e.subject_type === f.subject_type) &&
    (f.subject_id === undefined || e.subject_id === f.subject_id) &&
    (f.node_id === undefined || e.node_id === f.node_id) &&
    (f.node_instance_id === undefined || e.node_instance_id === f.node_instance_id) &&
    (f.task_id === undefined || e.task_id === f.task_id) &&
    (f.correlation_id === undefined || e.correlation_id === f.correlation_id);
}

export function mountEventStream(app: Hono, deps: EventStreamDeps): void {
  const heartbeatMs = deps.heartbeatMs ?? HEARTBEAT_MS;
  app.get(EVENT_STREAM_PATH, async (c) => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    let principal: Principal;
    let filters: Filters;
    let cursor: number | undefined;
    try {
      principal = await deps.auth.authenticate(requestToken(c), clientIp(c));
      requireScope(eventList as AnyOperation, principal);
      const parsed = parseFilters(c.req.query());
      filters = parsed.filters;
      cursor = parseCursor(c.req.header("last-event-id") ?? parsed.lastEventId);
    } catch (err) {
      const e = toAppError(err);
      const headers: Record<string, string> = { "x-request-id": requestId };
      if (e.code === "unauthenticated") headers["www-authenticate"] = 'Bearer realm="nodepilot"';
      return problemResponse(e, requestId, headers);
    }
    c.header("x-request-id", requestId);
    c.header("x-accel-buffering", "no"); // reverse proxies must not buffer a stream

    return streamSSE(
      c,
      async (stream) => {
        let closed = false;
        let subscription: Subscription | undefined;
        stream.onAbort(() => {
          closed = true;
          subscription?.close();
        });
        const heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), heartbeatMs);
        const send = async (event: LiveEvent) => {
          await stream.writeSSE({ id: String(event.seq), data: JSON.stringify(event) });
          cursor = event.seq;
        };
        // Pages of event.list after the cursor, up to `until` (inclusive) when given.
        const replay = async (until: number | undefined) => {
          for (let more = true; more && !closed; ) {
            const page = (await invoke(
              deps.services,
              eventList as AnyOperation,
              principal,
              { ...filters, after_seq: cursor, limit: REPLAY_PAGE },
              { source: "api", requestId },
            )) as { items: LiveEvent[]; has_more: boolean };
            for (const event of page.items) {
              if (until !== undefined && event.seq > until) return;
              await send(event);
            }
            more = page.has_more;
          }
        };
        try {
          // Catch up from the store first, then follow: live events queue only for the short rest.
          if (cursor !== undefined) await replay(undefined);
          if (closed) return;
          subscription = await deps.hub.subscribe(principal.accountId, matcher(filters));
          if (closed) {
            subscription.close();
            return;
          }
          // Everything after liveAfter arrives through the hub; the store covers up to it.
          if (cursor !== undefined) await replay(subscription.liveAfter);
          cursor = Math.max(cursor ?? 0, subscription.liveAfter);
          await stream.write(": live\n\n");
          for (let item = await subscription.queue.next(); item && !closed; item = await subscription.queue.next()) {
            if (item.type === "gap") {
              await stream.writeSSE({ event: "gap", data: JSON.stringify(item) });
            } else if (item.event.seq > (cursor ?? 0)) {
              await send(item.event);
            }
          }
        } finally {
          clearInterval(heartbeat);
          subscription?.close();
        }
      },
      async (err) => {
        deps.services.logger.error("event stream failed", { request_id: requestId, error: err.message });
      },
    );
  });
}
