// Storage assignments (spec/domain.md §1.3 storage.* tasks, spec/autonomy.md §1.2 #18): what an
// instance should have mounted or exported, and where its reconciliation stands. The
// storage_assignment_drift sensor finds assignments stuck mid-reconcile.
import { check, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { node_instances } from "./fleet.ts";
import { accounts } from "./tenancy.ts";

/** One per storage task family: storage.mount, storage.exports.apply, storage.smb_user.apply, storage.gateway.provision. */
export const STORAGE_ASSIGNMENT_KINDS = ["mount", "export", "smb_user", "gateway"] as const;
export const STORAGE_ASSIGNMENT_STATES = ["pending", "provisioning", "ready", "degraded", "failed"] as const;
/** Every state but ready: reconciliation has not settled. */
export const STORAGE_ASSIGNMENT_UNSETTLED = ["pending", "provisioning", "degraded", "failed"] as const;

export const storage_assignments = pgTable(
  "storage_assignments",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_instance_id: uuid("node_instance_id")
      .notNull()
      .references(() => node_instances.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: STORAGE_ASSIGNMENT_KINDS }).notNull(),
    /** Mount path, export path, SMB user or gateway name: unique per instance and kind. */
    target: text("target").notNull(),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status", { enum: STORAGE_ASSIGNMENT_STATES }).notNull().default("pending"),
    status_reason: text("status_reason"),
    /** When the reconciler last reported a status; null until its first report. */
    last_status_at: ts("last_status_at"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("storage_assignments_instance_kind_target").on(t.node_instance_id, t.kind, t.target),
    // The sensor reads only unsettled assignments.
    index("storage_assignments_account_unsettled")
      .on(t.account_id, t.last_status_at)
      .where(inSet(t.status, STORAGE_ASSIGNMENT_UNSETTLED)),
    check("storage_assignments_kind", inSet(t.kind, STORAGE_ASSIGNMENT_KINDS)),
    check("storage_assignments_status", inSet(t.status, STORAGE_ASSIGNMENT_STATES)),
  ],
);
