// Agent fleet events (spec/agent.md §10 "Durable outbox"): the batch an agent replays from its
// outbox to POST /agent/v1/events, and the closed list of kinds an agent may report about itself.
// The agent validates each event with the same schema before queueing it, so a queued event is one
// the server accepts.
import { z } from "zod";
import { ProtoTimestamp, ProtoUuid } from "./primitives.ts";

export const AGENT_EVENTS_MAX_BATCH = 500;
export const AGENT_EVENTS_MAX_BYTES = 256 * 1024;
/** One event's payload, serialised; small enough that any single event fits a batch. */
export const AGENT_EVENT_PAYLOAD_MAX_BYTES = 64 * 1024;

/**
 * What an agent reports through its outbox, each named by the spec section that makes the agent
 * say it. The server refuses any other kind: an agent's word is trusted only about these.
 */
export const AGENT_EVENT_KINDS = [
  "certificate.rotation_failing", // §7: rotation still failing past 90 % of the lifetime
  "module.fetch_failed", // §11: download stalled, disk full
  "module.verify_failed", // §8: a verification check refused a blob
  "module.signature_audit", // §8: a signature failure in an audit-mode environment
  "agent.persist_fallback", // §10: /persist missing, running on a tmpfs
  "agent.lkg_stale", // §10: the last-known-good composition is older than its max age
  "agent.events_dropped", // §10: the outbox was full and dropped events
] as const;
export type AgentEventKind = (typeof AGENT_EVENT_KINDS)[number];

export const AGENT_EVENT_SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type AgentEventSeverity = (typeof AGENT_EVENT_SEVERITIES)[number];

const kindList = AGENT_EVENT_KINDS.join(", ");
const utf8Bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

export const AgentEvent = z.strictObject({
  id: ProtoUuid,
  kind: z.enum(AGENT_EVENT_KINDS, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an agent event kind (one of ${kindList})`,
  }),
  severity: z.enum(AGENT_EVENT_SEVERITIES).default("low"),
  payload: z
    .record(z.string(), z.unknown())
    .default({})
    .refine((p) => utf8Bytes(p) <= AGENT_EVENT_PAYLOAD_MAX_BYTES, {
      message: `must be at most ${AGENT_EVENT_PAYLOAD_MAX_BYTES} bytes as JSON`,
    }),
  correlation_id: z.string().min(1).max(200).optional(),
  occurred_at: ProtoTimestamp,
});
export type AgentEvent = z.infer<typeof AgentEvent>;

export const EventsRequest = z.strictObject({
  events: z.array(AgentEvent).min(1).max(AGENT_EVENTS_MAX_BATCH),
});
export type EventsRequest = z.input<typeof EventsRequest>;

export const EventsResponse = z.strictObject({
  accepted: z.int().min(0),
  /** Events whose id the server had already recorded (a replay); they change nothing. */
  duplicates: z.int().min(0),
});
export type EventsResponse = z.infer<typeof EventsResponse>;
