// GitOps (spec/domain.md §5.3 job 7, spec/mcp.md gitops.*, spec/autonomy.md §1.2 #14): registered
// repositories holding a `fleet.yaml`, the sync runs that diff it against the live fleet, and the
// proposals a run produces for human review. The gitops_drift sensor reads these rows.
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { accounts, users } from "./tenancy.ts";

export const GITOPS_SYNC_RUN_STATES = ["running", "succeeded", "failed"] as const;
export const GITOPS_PROPOSAL_STATES = ["pending", "approved", "rejected", "applied", "superseded"] as const;
export const GITOPS_PROPOSAL_ACTIONS = ["create", "update", "destroy"] as const;

export const gitops_repositories = pgTable(
  "gitops_repositories",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    url: text("url").notNull(),
    branch: text("branch").notNull().default("main"),
    /** Path of the fleet file inside the repository. */
    path: text("path").notNull().default("fleet.yaml"),
    enabled: boolean("enabled").notNull().default(true),
    last_synced_at: ts("last_synced_at"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("gitops_repositories_account_name").on(t.account_id, t.name)],
);

/** Counts of a run's diff by action; the resources themselves are its proposals. */
export interface GitopsDiffSummary {
  create: number;
  update: number;
  destroy: number;
}

/** One pull → parse → diff of a repository. A failed run (e.g. a parse error) applies nothing. */
export const gitops_sync_runs = pgTable(
  "gitops_sync_runs",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    repository_id: uuid("repository_id")
      .notNull()
      .references(() => gitops_repositories.id, { onDelete: "cascade" }),
    status: text("status", { enum: GITOPS_SYNC_RUN_STATES }).notNull().default("running"),
    started_at: ts("started_at").notNull(),
    completed_at: ts("completed_at"),
    /** The commit the run diffed. */
    synced_revision: text("synced_revision"),
    diff_count: integer("diff_count").notNull().default(0),
    diff_summary: jsonb("diff_summary")
      .$type<GitopsDiffSummary>()
      .notNull()
      .default({ create: 0, update: 0, destroy: 0 }),
    error: text("error"),
    created_at: createdAt(),
  },
  (t) => [
    index("gitops_sync_runs_repository_completed").on(t.repository_id, t.completed_at.desc()),
    check("gitops_sync_runs_status", inSet(t.status, GITOPS_SYNC_RUN_STATES)),
    // The summary splits diff_count by action, so "any destroy" is readable without the proposals.
    check(
      "gitops_sync_runs_summary",
      sql`${t.diff_count} >= 0 AND jsonb_typeof(${t.diff_summary}->'create') = 'number' AND jsonb_typeof(${t.diff_summary}->'update') = 'number' AND jsonb_typeof(${t.diff_summary}->'destroy') = 'number' AND (${t.diff_summary}->>'create')::int + (${t.diff_summary}->>'update')::int + (${t.diff_summary}->>'destroy')::int = ${t.diff_count}`,
    ),
    check(
      "gitops_sync_runs_completion",
      sql`(${t.status} = 'running') = (${t.completed_at} IS NULL) AND (${t.status} <> 'succeeded' OR ${t.synced_revision} IS NOT NULL)`,
    ),
  ],
);

/** One resource change of a run, applied only after a human approves it. */
export const gitops_proposals = pgTable(
  "gitops_proposals",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    repository_id: uuid("repository_id")
      .notNull()
      .references(() => gitops_repositories.id, { onDelete: "cascade" }),
    sync_run_id: uuid("sync_run_id").references(() => gitops_sync_runs.id, { onDelete: "set null" }),
    action: text("action", { enum: GITOPS_PROPOSAL_ACTIONS }).notNull(),
    resource_type: text("resource_type").notNull(),
    resource_name: text("resource_name").notNull(),
    diff: jsonb("diff").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status", { enum: GITOPS_PROPOSAL_STATES }).notNull().default("pending"),
    decided_by_id: uuid("decided_by_id").references(() => users.id, { onDelete: "set null" }),
    decided_at: ts("decided_at"),
    applied_at: ts("applied_at"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("gitops_proposals_repository_status").on(t.repository_id, t.status),
    check("gitops_proposals_status", inSet(t.status, GITOPS_PROPOSAL_STATES)),
    check("gitops_proposals_action", inSet(t.action, GITOPS_PROPOSAL_ACTIONS)),
  ],
);
