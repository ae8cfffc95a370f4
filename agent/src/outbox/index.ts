// The durable event outbox and its delivery loop (spec/agent.md §10).
export { type DrainResult, OutboxFlusher } from "./flusher.ts";
export {
  type AgentEventDraft,
  type AgentEventSink,
  OUTBOX_MAX_BYTES,
  OUTBOX_MAX_ENTRIES,
  Outbox,
  type OutboxBatch,
  type OutboxOptions,
} from "./outbox.ts";
export { readOutbox } from "./segments.ts";
