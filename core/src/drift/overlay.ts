// Writes to the drift overlay (fleet_drift_items): one row per condition episode, created on the
// first decision and locked for the transaction that changes it, so two operators acting on one item
// at once take turns and the second sees the first's decision. Each change writes its fleet event in
// the same transaction, carrying the condition's fingerprint so it shows in the condition's history.
import { type DbOrTx, fleet_drift_items } from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import type { Principal } from "../auth/principal.ts";
import type { OpContext } from "../catalog/context.ts";
import { emitEvent } from "../events/emit.ts";
import { driftItemId } from "./item-id.ts";
import type { DriftRow } from "./read.ts";

type OverlaySet = Partial<
  Pick<
    typeof fleet_drift_items.$inferInsert,
    | "status"
    | "snoozed_until"
    | "reason"
    | "decided_by"
    | "decided_at"
    | "assignee_user_id"
    | "assigned_by"
    | "assigned_at"
    | "approval_request_id"
    | "task_ids"
    | "remediated_at"
    | "remediation_count"
  >
>;

/** Who acted, as the overlay records it. */
export const actorOf = (p: Principal): string =>
  p.userId ? `user:${p.userId}` : p.tokenId ? `token:${p.tokenId}` : `${p.actorType}:${p.actorId}`;

const where = (accountId: string, row: Pick<DriftRow, "kind" | "fingerprint" | "episode">) =>
  and(
    eq(fleet_drift_items.account_id, accountId),
    eq(fleet_drift_items.kind, row.kind),
    eq(fleet_drift_items.fingerprint, row.fingerprint),
    eq(fleet_drift_items.episode, row.episode),
  );

/** Make sure the episode has its overlay row and hold it until the transaction ends. */
export async function lockOverlay(tx: DbOrTx, accountId: string, row: DriftRow): Promise<void> {
  await tx
    .insert(fleet_drift_items)
    .values({ account_id: accountId, kind: row.kind, fingerprint: row.fingerprint, episode: row.episode })
    .onConflictDoNothing();
  await tx.select({ v: fleet_drift_items.version }).from(fleet_drift_items).where(where(accountId, row)).for("update");
}

export async function updateOverlay(tx: DbOrTx, ctx: OpContext, row: DriftRow, set: OverlaySet): Promise<void> {
  await tx
    .update(fleet_drift_items)
    .set({ ...set, version: sql`${fleet_drift_items.version} + 1`, updated_at: ctx.now })
    .where(where(ctx.principal.accountId, row));
}

/** `fleet.drift_<what>` for one item, about its instance when it has one. */
export async function emitDriftEvent(
  tx: DbOrTx,
  ctx: OpContext,
  row: DriftRow,
  what: "snoozed" | "resolved" | "assigned" | "remediation_started",
  instanceId: string | null,
  payload: Record<string, unknown>,
): Promise<void> {
  await emitEvent(tx, ctx, {
    kind: `fleet.drift_${what}`,
    severity: "low",
    fingerprint: row.fingerprint,
    node_instance_id: instanceId,
    payload: {
      item_id: driftItemId(row),
      signal_kind: row.kind,
      fingerprint: row.fingerprint,
      episode: row.episode,
      actor: actorOf(ctx.principal),
      ...payload,
    },
  });
}
