// Infrastructure projects (spec/autonomy.md §1.2 #15, spec/skills.md #12 scale_project): a
// service's brief (shape, regions, budget) and SLO targets, and the metrics observed for it. The
// project_slo sensor compares the newest metric row against targets taken from these two documents.
import { sql } from "drizzle-orm";
import { check, doublePrecision, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const INFRASTRUCTURE_PROJECT_STATES = ["draft", "active", "paused", "archived"] as const;

/** Per-project objectives; an absent key falls back to the brief, then the account's sensor settings. */
export interface ProjectSloTargets {
  availability_pct?: number;
  p99_latency_ms?: number;
  /** Minimum requests per second. */
  throughput_floor?: number;
  cost_ceiling_usd?: number;
}

/** The parts of a project brief the platform reads; other keys are the author's own. */
export interface ProjectBrief {
  scale?: { initial?: number };
  regions?: string[];
  p99_latency_ms?: number;
  budget?: { monthly_cap_usd?: number };
  [key: string]: unknown;
}

export const infrastructure_projects = pgTable(
  "infrastructure_projects",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    status: text("status", { enum: INFRASTRUCTURE_PROJECT_STATES }).notNull().default("draft"),
    slo_targets: jsonb("slo_targets").$type<ProjectSloTargets>().notNull().default({}),
    brief: jsonb("brief").$type<ProjectBrief>().notNull().default({}),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("infrastructure_projects_account_name").on(t.account_id, t.name),
    index("infrastructure_projects_account_status").on(t.account_id, t.status),
    check("infrastructure_projects_status", inSet(t.status, INFRASTRUCTURE_PROJECT_STATES)),
    check(
      "infrastructure_projects_documents",
      sql`jsonb_typeof(${t.slo_targets}) = 'object' AND jsonb_typeof(${t.brief}) = 'object'`,
    ),
  ],
);

/** One observation of a project; a metric the collector could not measure is null. */
export const project_metrics = pgTable(
  "project_metrics",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    project_id: uuid("project_id")
      .notNull()
      .references(() => infrastructure_projects.id, { onDelete: "cascade" }),
    availability_pct: doublePrecision("availability_pct"),
    p99_latency_ms: doublePrecision("p99_latency_ms"),
    /** Requests per second. */
    throughput: doublePrecision("throughput"),
    /** Monthly cost run-rate in USD, comparable with the brief's monthly cap. */
    cost_usd: doublePrecision("cost_usd"),
    replica_count: integer("replica_count"),
    region_count: integer("region_count"),
    observed_at: ts("observed_at").notNull(),
    /** The collection run that produced the row, carried into the signals it causes. */
    correlation_id: uuid("correlation_id"),
    created_at: createdAt(),
  },
  (t) => [
    index("project_metrics_project_observed").on(t.project_id, t.observed_at.desc()),
    check(
      "project_metrics_ranges",
      sql`(${t.availability_pct} IS NULL OR ${t.availability_pct} BETWEEN 0 AND 100) AND (${t.p99_latency_ms} IS NULL OR ${t.p99_latency_ms} >= 0) AND (${t.throughput} IS NULL OR ${t.throughput} >= 0) AND (${t.cost_usd} IS NULL OR ${t.cost_usd} >= 0) AND (${t.replica_count} IS NULL OR ${t.replica_count} >= 0) AND (${t.region_count} IS NULL OR ${t.region_count} >= 0)`,
    ),
  ],
);
