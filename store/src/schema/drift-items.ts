// The drift queue's operator state (spec/ui.md §5 "Drift queue"): what a person decided about one
// episode of a drift condition — snoozed until when, resolved, being remediated (by which approval
// and tasks), and who it is assigned to. The condition itself stays in fleet_signal_states; an
// item's status is computed from both (core/src/drift/status.ts), so a new episode of the same
// condition starts with no row and is open again.
import { sql } from "drizzle-orm";
import { check, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { approval_requests } from "./autonomy-gate.ts";
import { inSet } from "./closed-set.ts";
import { createdAt, ts, updatedAt, version } from "./columns.ts";
import { accounts, users } from "./tenancy.ts";

/** What an operator made of the episode; null for a row that only assigns it. */
export const DRIFT_OVERLAY_STATES = ["snoozed", "resolved", "remediating"] as const;

export const fleet_drift_items = pgTable(
  "fleet_drift_items",
  {
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    fingerprint: text("fingerprint").notNull(),
    /** The condition's episode (fleet_signal_states.episode) this decision is about. */
    episode: integer("episode").notNull(),
    status: text("status", { enum: DRIFT_OVERLAY_STATES }),
    snoozed_until: ts("snoozed_until"),
    /** The operator's reason for the snooze or resolution. */
    reason: text("reason"),
    /** `user:<id>` or `token:<id>`: who set the status. */
    decided_by: text("decided_by"),
    decided_at: ts("decided_at"),
    assignee_user_id: uuid("assignee_user_id").references(() => users.id, { onDelete: "set null" }),
    assigned_by: text("assigned_by"),
    assigned_at: ts("assigned_at"),
    /** The approval the remediation ran under, when it was gated. */
    approval_request_id: uuid("approval_request_id").references(() => approval_requests.id, { onDelete: "set null" }),
    task_ids: uuid("task_ids").array().notNull().default(sql`'{}'::uuid[]`),
    remediated_at: ts("remediated_at"),
    /** Remediations started this episode: a retry after a failed one gets tasks of its own. */
    remediation_count: integer("remediation_count").notNull().default(0),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.account_id, t.kind, t.fingerprint, t.episode] }),
    check("fleet_drift_items_status", sql`${t.status} IS NULL OR ${inSet(t.status, DRIFT_OVERLAY_STATES)}`),
    check("fleet_drift_items_snooze", sql`${t.status} IS DISTINCT FROM 'snoozed' OR ${t.snoozed_until} IS NOT NULL`),
    check(
      "fleet_drift_items_reason",
      sql`${t.status} IS NULL OR ${t.status} = 'remediating' OR length(trim(coalesce(${t.reason}, ''))) > 0`,
    ),
    check(
      "fleet_drift_items_remediated",
      sql`${t.status} IS DISTINCT FROM 'remediating' OR ${t.remediated_at} IS NOT NULL`,
    ),
  ],
);
