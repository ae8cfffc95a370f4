// Running an applier exactly once per idempotency key (spec/autonomy.md §3.7, §3.8): the
// remediation row is inserted ON CONFLICT DO NOTHING before any side effect; a key whose row is
// finished returns that result; a row left `applying` by a crash is finished by running the
// applier again with the same key, which every task and catalog call it makes deduplicates on.
import { createHash } from "node:crypto";
import { emitEvent } from "@nodepilot/core";
import { type ActionPayload, fleet_remediations } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { ApplierContext, ApplyOutcome } from "./applier.ts";
import { applierFor } from "./registry.ts";

export type RemediationRow = typeof fleet_remediations.$inferSelect;

/** §3.8: sha256(account|category|dedup_key|payload_hash|episode) for autonomous actions. */
export const autonomousKey = (a: {
  accountId: string;
  category: string;
  dedupKey: string;
  payloadHash: string;
  episode: number;
}): string =>
  createHash("sha256")
    .update([a.accountId, a.category, a.dedupKey, a.payloadHash, String(a.episode)].join("|"))
    .digest("hex");

export const approvalKey = (requestId: string): string => `approval:${requestId}`;

export interface RemediateInput {
  action: ActionPayload;
  payloadHash: string;
  key: string;
  approved: boolean;
  decisionId: string | null;
  approvalRequestId: string | null;
  signalKind: string | null;
  fingerprint: string | null;
  episode: number | null;
  situationText: string | null;
  settleWindowSeconds: number;
}

export async function remediate(ctx: ApplierContext, input: RemediateInput): Promise<RemediationRow> {
  const db = ctx.services.database.db;
  const accountId = ctx.principal.accountId;
  const applier = applierFor(input.action.action_category);
  await db
    .insert(fleet_remediations)
    .values({
      account_id: accountId,
      decision_id: input.decisionId,
      approval_request_id: input.approvalRequestId,
      action_category: input.action.action_category,
      applier: applier?.name ?? "none",
      signal_kind: input.signalKind,
      fingerprint: input.fingerprint,
      episode: input.episode,
      target_type: input.action.target.type,
      target_id: input.action.target.id,
      idempotency_key: input.key,
      payload_hash: input.payloadHash,
      situation_text: input.situationText,
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .onConflictDoNothing();
  const [row] = await db
    .select()
    .from(fleet_remediations)
    .where(and(eq(fleet_remediations.account_id, accountId), eq(fleet_remediations.idempotency_key, input.key)));
  if (!row) throw new Error(`remediation ${input.key} vanished after insert`);
  if (row.status !== "applying") return row;

  let outcome: ApplyOutcome;
  if (!applier) {
    outcome = {
      status: "refused",
      reason: "no_applier",
      result: { error: `no applier executes ${input.action.action_category} in this build` },
    };
  } else {
    try {
      outcome = await applier.apply(ctx, {
        action: input.action,
        key: input.key,
        approved: input.approved,
        signalKind: input.signalKind,
        fingerprint: input.fingerprint,
      });
    } catch (err) {
      return finish(ctx, row, { status: "failed", error: err instanceof Error ? err.message : String(err) }, input);
    }
  }
  return finish(ctx, row, outcome, input);
}

type Finished = ApplyOutcome | { status: "failed"; error: string };

async function finish(ctx: ApplierContext, row: RemediationRow, outcome: Finished, input: RemediateInput) {
  const db = ctx.services.database.db;
  const applied = outcome.status === "applied";
  const scored = applied && outcome.scored;
  return db.transaction(async (tx) => {
    const [done] = await tx
      .update(fleet_remediations)
      .set({
        status: outcome.status,
        refusal_reason: outcome.status === "refused" ? outcome.reason : null,
        result: outcome.status === "failed" ? { error: outcome.error.slice(0, 500) } : (outcome.result ?? null),
        task_ids: applied ? outcome.task_ids : [],
        acted_at: ctx.now,
        settle_until: scored ? new Date(ctx.now.getTime() + input.settleWindowSeconds * 1000) : null,
        // §3.7: refusals and advisory actions are not scored; a failure to act is scored failed at once.
        outcome: outcome.status === "failed" ? "failed" : scored ? "pending" : "not_scored",
        validated_at: outcome.status === "failed" ? ctx.now : null,
        updated_at: ctx.now,
      })
      .where(eq(fleet_remediations.id, row.id))
      .returning();
    await emitEvent(
      tx,
      { principal: ctx.principal, source: `applier:${row.applier}`, correlationId: ctx.correlationId, now: ctx.now },
      {
        kind: `autonomy.remediation_${outcome.status}`,
        severity: outcome.status === "applied" ? "low" : "medium",
        fingerprint: input.fingerprint,
        subject_type: "fleet_remediation",
        subject_id: row.id,
        payload: {
          remediation_id: row.id,
          action_category: row.action_category,
          applier: row.applier,
          target: { type: row.target_type, id: row.target_id },
          approval_request_id: row.approval_request_id,
          task_ids: applied ? outcome.task_ids : [],
          ...(outcome.status === "refused" ? { reason: outcome.reason } : {}),
          ...(outcome.status === "failed" ? { error: outcome.error.slice(0, 500) } : {}),
        },
      },
    );
    return done!;
  });
}
