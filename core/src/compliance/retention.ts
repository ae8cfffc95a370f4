// Compliance snapshot retention (spec/autonomy.md §7.2): snapshots are kept 2555 days (seven
// years). Retention deletes the oldest run of expired snapshots of an account — always a prefix of
// the chain, never the newest snapshot — and records an anchor (the first kept sequence and the hash
// it links to), so verification still starts from a known hash. It is the only code that sets
// `nodepilot.compliance_retention`, with SET LOCAL, which the append-only trigger requires for a
// delete; the trigger also checks each row's age against the same period, so this setting alone
// cannot remove a young snapshot. The cutoff is the database's `now()`, the clock the trigger uses.
import { COMPLIANCE_RETENTION_DAYS, compliance_chain_anchors, type DbOrTx } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import { lockChain } from "./chain.ts";

export interface PruneResult {
  pruned: number;
  /** The first sequence kept, when something was pruned. */
  anchor_sequence: number | null;
}

/** Deletes the account's expired snapshots in `tx` (its own transaction: the setting is SET LOCAL). */
export async function pruneComplianceSnapshots(tx: DbOrTx, origin: EventOrigin): Promise<PruneResult> {
  const accountId = origin.principal.accountId;
  await lockChain(tx, accountId);
  // The first snapshot to keep: the oldest one inside the period, or the newest one if all are older.
  const kept = (
    await tx.execute(sql`
      SELECT sequence, prev_hash FROM compliance_snapshots
      WHERE account_id = ${accountId}::uuid
        AND (generated_at >= now() - make_interval(days => ${COMPLIANCE_RETENTION_DAYS})
          OR sequence = (SELECT max(sequence) FROM compliance_snapshots WHERE account_id = ${accountId}::uuid))
      ORDER BY sequence LIMIT 1`)
  ).rows as { sequence: number; prev_hash: string }[];
  const first = kept[0];
  if (!first) return { pruned: 0, anchor_sequence: null };
  await tx.execute(sql`SET LOCAL nodepilot.compliance_retention = 'on'`);
  const deleted = await tx.execute(sql`
    DELETE FROM compliance_snapshots WHERE account_id = ${accountId}::uuid AND sequence < ${first.sequence}`);
  await tx.execute(sql`SET LOCAL nodepilot.compliance_retention = 'off'`);
  const pruned = deleted.rowCount ?? 0;
  if (pruned === 0) return { pruned: 0, anchor_sequence: null };
  await tx
    .insert(compliance_chain_anchors)
    .values({ account_id: accountId, sequence: first.sequence, prev_hash: first.prev_hash, pruned_count: pruned });
  await emitEvent(tx, origin, {
    kind: "compliance.snapshots_pruned",
    severity: "low",
    payload: { pruned, anchor_sequence: first.sequence, anchor_prev_hash: first.prev_hash },
  });
  return { pruned, anchor_sequence: first.sequence };
}
