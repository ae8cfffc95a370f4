// Module-level inputs of the sensors (spec/autonomy.md §1.2 #5, #7): service-level objectives with
// their measured samples, and per-module promotion criteria (spec/domain.md §2.4: required_count
// and dwell resolve module → account → default).
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { node_instances } from "./fleet.ts";
import { node_modules } from "./modules.ts";
import { accounts } from "./tenancy.ts";

export const SLO_AGGREGATIONS = ["avg", "min", "max", "p50", "p95", "p99"] as const;
export const SLO_COMPARATORS = ["lte", "gte"] as const;

/** One objective of an SLO: `aggregation(metric over the window) comparator objective`. */
export interface SloTarget {
  metric: string;
  aggregation: (typeof SLO_AGGREGATIONS)[number];
  comparator: (typeof SLO_COMPARATORS)[number];
  objective: number;
}

export const module_slos = pgTable(
  "module_slos",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    window_seconds: integer("window_seconds").notNull(),
    targets: jsonb("targets").$type<SloTarget[]>().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("module_slos_module_name").on(t.node_module_id, t.name),
    index("module_slos_account").on(t.account_id),
    check("module_slos_window", sql`${t.window_seconds} > 0`),
  ],
);

/** One measurement of one module metric, optionally from one instance. */
export const module_slo_samples = pgTable(
  "module_slo_samples",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "cascade" }),
    metric: text("metric").notNull(),
    value: doublePrecision("value").notNull(),
    node_instance_id: uuid("node_instance_id").references(() => node_instances.id, { onDelete: "set null" }),
    observed_at: ts("observed_at").notNull(),
  },
  (t) => [index("module_slo_samples_metric").on(t.node_module_id, t.metric, t.observed_at)],
);

/** A module's own promotion criteria; absent columns fall back to the account, then the default. */
export const module_promotion_criteria = pgTable(
  "module_promotion_criteria",
  {
    node_module_id: uuid("node_module_id")
      .primaryKey()
      .references(() => node_modules.id, { onDelete: "cascade" }),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    required_count: integer("required_count"),
    dwell_seconds: integer("dwell_seconds"),
    updated_at: updatedAt(),
  },
  (t) => [
    // Floors of spec/domain.md §2.4: one instance and five minutes.
    check("module_promotion_criteria_floors", sql`${t.required_count} >= 1 AND ${t.dwell_seconds} >= 300`),
  ],
);
