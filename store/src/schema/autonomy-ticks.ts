// The tick loop's own records (spec/autonomy.md §8, §2.2): one row per tick, each sensor's cursor
// and last run, and the condition state of every (kind, fingerprint) tracked across ticks.
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "./columns.ts";
import { EVENT_SEVERITIES } from "./events.ts";
import { accounts } from "./tenancy.ts";

/** `running` while the tick is in progress; the others are the §8 outcomes. */
export const TICK_STATES = ["running", "ok", "partial", "over_budget", "failed", "skipped_locked"] as const;
export const SENSOR_RUN_STATES = ["ok", "failed", "timeout", "disabled", "degraded"] as const;

export const fleet_ticks = pgTable(
  "fleet_ticks",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** `tick:<16 hex>`, stamped on everything the tick writes. */
    correlation_id: text("correlation_id").notNull(),
    trigger: text("trigger", { enum: ["schedule", "manual"] }).notNull(),
    status: text("status", { enum: TICK_STATES }).notNull().default("running"),
    started_at: ts("started_at").notNull(),
    finished_at: ts("finished_at"),
    /** Milliseconds per step, e.g. `{lock: 2, sense: 140, conditions: 12}`. */
    phase_ms: jsonb("phase_ms").$type<Record<string, number>>().notNull().default({}),
    /** `{<sensor>: {status, duration_ms, signals, rejected?, error?}}`. */
    sensors: jsonb("sensors").$type<Record<string, unknown>>().notNull().default({}),
    /** The step-11 counts and the tick's metrics counters. */
    counts: jsonb("counts").$type<Record<string, unknown>>().notNull().default({}),
    error: text("error"),
  },
  (t) => [
    uniqueIndex("fleet_ticks_correlation").on(t.correlation_id),
    index("fleet_ticks_account_started").on(t.account_id, t.started_at),
  ],
);

/** A sensor's paging cursor and the bookkeeping of its last run in an account. */
export const fleet_sensor_cursors = pgTable(
  "fleet_sensor_cursors",
  {
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    sensor: text("sensor").notNull(),
    cursor: text("cursor"),
    last_status: text("last_status", { enum: SENSOR_RUN_STATES }),
    last_run_at: ts("last_run_at"),
    /** When `autonomy.sensor_failed` was last emitted for this sensor (≤ 1 per hour). */
    failure_event_at: ts("failure_event_at"),
  },
  (t) => [primaryKey({ columns: [t.account_id, t.sensor] })],
);

/** §2.2: a condition's state; counters are per episode. */
export const fleet_signal_states = pgTable(
  "fleet_signal_states",
  {
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    fingerprint: text("fingerprint").notNull(),
    sensor: text("sensor").notNull(),
    episode: integer("episode").notNull().default(1),
    first_seen_at: ts("first_seen_at").notNull(),
    last_seen_at: ts("last_seen_at").notNull(),
    cleared_at: ts("cleared_at"),
    tick_count: integer("tick_count").notNull().default(1),
    last_severity: text("last_severity", { enum: EVENT_SEVERITIES }).notNull(),
    last_decided_at: ts("last_decided_at"),
    last_decided_severity: text("last_decided_severity", { enum: EVENT_SEVERITIES }),
    dedup_count: integer("dedup_count").notNull().default(0),
    last_heartbeat_event_at: ts("last_heartbeat_event_at"),
    defer_until: ts("defer_until"),
    cumulative_deferred_seconds: integer("cumulative_deferred_seconds").notNull().default(0),
    remediations_applied: integer("remediations_applied").notNull().default(0),
    consecutive_failures: integer("consecutive_failures").notNull().default(0),
    stuck_escalated_at: ts("stuck_escalated_at"),
    standing_escalated_at: ts("standing_escalated_at"),
    last_notified_at: ts("last_notified_at"),
    /** The tick that last saw (or cleared) the condition. */
    last_tick_id: uuid("last_tick_id"),
  },
  (t) => [
    primaryKey({ columns: [t.account_id, t.kind, t.fingerprint] }),
    index("fleet_signal_states_open").on(t.account_id, t.sensor).where(sql`cleared_at IS NULL`),
  ],
);
