// The compliance archive (spec/autonomy.md §7.2): one row per snapshot, hash-chained per account
// (`prev_hash` = the previous snapshot's `document_hash`, 64 zeros first), and the anchors that
// retention leaves behind so the chain still verifies after its oldest rows are gone.
//
// Both tables are append-only. A trigger (hand-written SQL at the end of the migration) refuses
// UPDATE and TRUNCATE always, and DELETE unless either the session set `nodepilot.compliance_retention`
// to `on` (retention does, with SET LOCAL, only for rows past the retention period) or the account
// itself is being deleted (the cascade of an account's erasure).
import { sql } from "drizzle-orm";
import { check, customType, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const COMPLIANCE_SNAPSHOT_KINDS = ["daily", "on_demand"] as const;

/** Days a snapshot is kept (§7.2); the trigger enforces the same number for retention deletes. */
export const COMPLIANCE_RETENTION_DAYS = 2555;

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

const HEX64 = "'^[0-9a-f]{64}$'";

export const compliance_snapshots = pgTable(
  "compliance_snapshots",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** Per account from 1, allocated under a transaction-scoped advisory lock: no gap, no collision. */
    sequence: integer("sequence").notNull(),
    kind: text("kind", { enum: COMPLIANCE_SNAPSHOT_KINDS }).notNull(),
    generated_at: ts("generated_at").notNull(),
    /** `user:<id>`, `token:<id>` or `job:compliance.daily_snapshot`. */
    generated_by: text("generated_by").notNull(),
    /** gzip of the canonical JSON (RFC 8785) of the whole document, integrity section included. */
    document: bytea("document").notNull(),
    document_hash: text("document_hash").notNull(),
    prev_hash: text("prev_hash").notNull(),
    /** base64 Ed25519 signature over `document_hash` with the account's delivery key, if it has one. */
    signature: text("signature"),
    /** The delivery key that signed (`sha256:<hex>`), to verify with after later key rotations. */
    signature_key_id: text("signature_key_id"),
    /** A copy of the document's `counts`, so lists need not decompress documents. */
    counts: jsonb("counts").$type<Record<string, number>>().notNull(),
    created_at: createdAt(),
  },
  (t) => [
    uniqueIndex("compliance_snapshots_sequence").on(t.account_id, t.sequence),
    index("compliance_snapshots_generated").on(t.account_id, t.generated_at),
    check("compliance_snapshots_kind", inSet(t.kind, COMPLIANCE_SNAPSHOT_KINDS)),
    check("compliance_snapshots_sequence_positive", sql`${t.sequence} >= 1`),
    check(
      "compliance_snapshots_hashes",
      sql`${t.document_hash} ~ ${sql.raw(HEX64)} AND ${t.prev_hash} ~ ${sql.raw(HEX64)}`,
    ),
    check("compliance_snapshots_signature", sql`(${t.signature} IS NULL) = (${t.signature_key_id} IS NULL)`),
  ],
);

/**
 * What retention keeps of the snapshots it deleted: the first retained snapshot's sequence and the
 * hash it links to (the last deleted one's document_hash). Verification starts from the newest anchor.
 */
export const compliance_chain_anchors = pgTable(
  "compliance_chain_anchors",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    sequence: integer("sequence").notNull(),
    prev_hash: text("prev_hash").notNull(),
    pruned_count: integer("pruned_count").notNull(),
    created_at: createdAt(),
  },
  (t) => [
    uniqueIndex("compliance_chain_anchors_sequence").on(t.account_id, t.sequence),
    check("compliance_chain_anchors_hash", sql`${t.prev_hash} ~ ${sql.raw(HEX64)}`),
    check("compliance_chain_anchors_sequence_positive", sql`${t.sequence} >= 2 AND ${t.pruned_count} >= 1`),
  ],
);
