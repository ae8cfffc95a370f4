// The stored delivery revision (docs/adr/0010-delivery-revision-stamp.md): a per-account stamp that
// triggers on every input of the revision bump when a writing transaction commits, and per instance
// the last revision computed together with the stamp it was computed under. A stored revision is
// answered only while its stamp is the account's current one, so it is never stale; the triggers
// live in the migration's custom SQL (store/migrations/0012_delivery_revision_stamp.sql).
import { bigint, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { node_instances } from "./fleet.ts";
import { accounts } from "./tenancy.ts";

export const account_delivery_stamps = pgTable("account_delivery_stamps", {
  account_id: uuid("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  // Only ever incremented, under the row lock, by the commit-time trigger: commit order is stamp order.
  stamp: bigint("stamp", { mode: "number" }).notNull(),
});

export const instance_delivery_revisions = pgTable("instance_delivery_revisions", {
  instance_id: uuid("instance_id")
    .primaryKey()
    .references(() => node_instances.id, { onDelete: "cascade" }),
  // No foreign key of its own: the instance's cascade already removes the row with its account, and a
  // recompute's upsert then pays one key check, not two.
  account_id: uuid("account_id").notNull(),
  /** The account's stamp in the snapshot the revision was computed from (0 before any bump). */
  stamp: bigint("stamp", { mode: "number" }).notNull(),
  /** revisionOf(revisionSource) of that snapshot: 32 hex. */
  revision: text("revision").notNull(),
});
