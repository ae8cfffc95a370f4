// Per-account autonomy tunables (spec/autonomy.md §0) and per-account sensor thresholds (§1.1 rule 6).
// The column defaults are the spec's defaults; core's AutonomySettings schema carries the same values
// and its bounds, and a test keeps the two in step.
import { sql } from "drizzle-orm";
import { boolean, check, doublePrecision, integer, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { updatedAt, version } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const AUTONOMY_MODES = ["active", "paused"] as const;

/** One row per account once an operator changed something; no row means every default. */
export const autonomy_settings = pgTable(
  "autonomy_settings",
  {
    account_id: uuid("account_id")
      .primaryKey()
      .references(() => accounts.id, { onDelete: "cascade" }),
    tick_interval_seconds: integer("tick_interval_seconds").notNull().default(60),
    tick_budget_seconds: integer("tick_budget_seconds").notNull().default(45),
    autonomy_mode: text("autonomy_mode", { enum: AUTONOMY_MODES }).notNull().default("active"),
    dedup_window_seconds: integer("dedup_window_seconds").notNull().default(600),
    max_disruption_pct: integer("max_disruption_pct").notNull().default(20),
    stuck_streak_threshold: integer("stuck_streak_threshold").notNull().default(3),
    standing_signal_ticks: integer("standing_signal_ticks").notNull().default(60),
    episode_reset_seconds: integer("episode_reset_seconds").notNull().default(1800),
    notify_throttle_seconds: integer("notify_throttle_seconds").notNull().default(3600),
    settle_window_seconds: integer("settle_window_seconds").notNull().default(90),
    rejection_cooldown_seconds: integer("rejection_cooldown_seconds").notNull().default(3600),
    fleet_rejection_cooldown_seconds: integer("fleet_rejection_cooldown_seconds").notNull().default(14400),
    presumed_dead_seconds: integer("presumed_dead_seconds").notNull().default(1800),
    learning_similarity_threshold: doublePrecision("learning_similarity_threshold").notNull().default(0.85),
    evolution_threshold: integer("evolution_threshold").notNull().default(3),
    throttle_strength_threshold: doublePrecision("throttle_strength_threshold").notNull().default(1),
    max_defer_seconds: integer("max_defer_seconds").notNull().default(600),
    max_cumulative_defer_seconds: integer("max_cumulative_defer_seconds").notNull().default(3600),
    updated_by: text("updated_by"),
    version: version(),
    updated_at: updatedAt(),
  },
  (t) => [
    // The budget must leave the tick 5 s of its interval (§0); the other bounds live in core's schema.
    check("autonomy_settings_budget", sql`${t.tick_budget_seconds} <= ${t.tick_interval_seconds} - 5`),
  ],
);

/**
 * A sensor's per-account overrides: `settings` holds only the keys an operator set (partial-merge
 * writes); the effective value of every other key is the sensor's default.
 */
export const fleet_sensor_configs = pgTable(
  "fleet_sensor_configs",
  {
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    sensor: text("sensor").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    updated_by: text("updated_by"),
    version: version(),
    updated_at: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.account_id, t.sensor] })],
);
