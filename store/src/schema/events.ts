// Fleet events: the append-only log every transition writes in its own transaction (spec/domain.md §1.8).
import { bigint, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "./columns.ts";
import { node_instances } from "./fleet.ts";
import { accounts } from "./tenancy.ts";

export const EVENT_SEVERITIES = ["low", "medium", "high", "critical"] as const;
export const EVENT_SOURCES = [
  "api",
  "mcp",
  "chat",
  "agent",
  "sensor",
  "job",
  "approval",
  "system",
  "engine",
  "gate",
  "learning",
  "pressure",
  "compliance",
] as const;
/** A bare source, or one naming its component (spec/autonomy.md §2.3): `sensor:<name>`, `applier:<name>`. */
export type EventSourceName = (typeof EVENT_SOURCES)[number] | `sensor:${string}` | `applier:${string}`;

export const fleet_events = pgTable(
  "fleet_events",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    kind: text("kind").notNull(),
    severity: text("severity", { enum: EVENT_SEVERITIES }).notNull().default("low"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    correlation_id: text("correlation_id"),
    /** The condition a signal or decision event is about (spec/autonomy.md §2.3); its history is by fingerprint. */
    fingerprint: text("fingerprint"),
    source: text("source").$type<EventSourceName>().notNull(),
    actor_type: text("actor_type").notNull(),
    actor_id: text("actor_id"),
    subject_type: text("subject_type"),
    subject_id: uuid("subject_id"),
    node_id: uuid("node_id"),
    node_instance_id: uuid("node_instance_id"),
    node_module_id: uuid("node_module_id"),
    module_version_id: uuid("module_version_id"),
    task_id: uuid("task_id"),
    cve_id: text("cve_id"),
    certificate_id: uuid("certificate_id"),
    instance_pool_id: uuid("instance_pool_id"),
    emitted_at: ts("emitted_at").notNull(),
    created_at: createdAt(),
  },
  (t) => [
    uniqueIndex("fleet_events_account_seq").on(t.account_id, t.seq),
    index("fleet_events_account_created").on(t.account_id, t.created_at, t.id),
    index("fleet_events_subject").on(t.account_id, t.subject_type, t.subject_id),
    index("fleet_events_correlation").on(t.account_id, t.correlation_id),
    index("fleet_events_kind").on(t.account_id, t.kind),
    index("fleet_events_fingerprint").on(t.account_id, t.fingerprint, t.emitted_at),
  ],
);

/**
 * The ids of events agents sent through POST /agent/v1/events (spec/agent.md §10): a replayed
 * outbox entry finds its id here and is counted as a duplicate instead of written twice. The id is
 * also the fleet event's id. Kept apart from fleet_events so claiming an id (INSERT … ON CONFLICT
 * DO NOTHING) happens before a per-account seq is taken, leaving no gaps in seq.
 */
export const agent_event_ids = pgTable(
  "agent_event_ids",
  {
    id: uuid("id").primaryKey(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_instance_id: uuid("node_instance_id")
      .notNull()
      .references(() => node_instances.id, { onDelete: "cascade" }),
    received_at: ts("received_at").notNull(),
  },
  (t) => [
    index("agent_event_ids_account_received").on(t.account_id, t.received_at),
    index("agent_event_ids_instance").on(t.node_instance_id),
  ],
);
