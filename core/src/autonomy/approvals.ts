// Approval requests (spec/autonomy.md §3.4): created or refreshed in place by the gate, decided by
// operators under four-eyes and hash binding, expired when overdue (expiry counts as rejection).
// Every change runs in the caller's transaction with its fleet event.
import {
  type ActionPayload,
  type ApprovalStep,
  approval_chains,
  approval_decisions,
  approval_requests,
  type DbOrTx,
  users,
} from "@nodepilot/store";
import { and, asc, desc, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { z } from "zod";
import { systemPrincipal } from "../auth/principal.ts";
import { AppError, conflict, forbidden, fromZodError, invalidInput, notFound } from "../errors.ts";
import { type EventOrigin, emitEvent, emitEvents, type Severity } from "../events/emit.ts";
import { actionDigest } from "./action-digest.ts";
import { SEEDED_CHAIN } from "./seed.ts";

export type ApprovalRequestRow = typeof approval_requests.$inferSelect;
export type ApprovalDecisionRow = typeof approval_decisions.$inferSelect;

export interface CreateApprovalInput {
  action_payload: ActionPayload;
  dedup_key: string;
  severity: Severity;
  /** At most 500 characters; longer text is cut. */
  description: string;
  source?: string;
  fingerprint?: string | null;
  signal_kind?: string | null;
  plan?: Record<string, unknown> | null;
  reasoning?: string | null;
  learning_evidence?: unknown[];
  matched_policy_id?: string | null;
  /** The winning policy row's chain; else the seeded chain; else the built-in copy of it. */
  approval_chain_id?: string | null;
  requested_by_agent_id?: string | null;
  requested_by_user_id?: string | null;
}

export interface CreateApprovalResult {
  request: ApprovalRequestRow;
  outcome: "created" | "refreshed" | "unchanged";
}

async function chainFor(db: DbOrTx, accountId: string, chainId: string | null | undefined) {
  const active = and(eq(approval_chains.account_id, accountId), eq(approval_chains.status, "active"));
  if (chainId) {
    const [row] = await db
      .select()
      .from(approval_chains)
      .where(and(active, eq(approval_chains.id, chainId)));
    if (row) return row;
  }
  const [seeded] = await db
    .select()
    .from(approval_chains)
    .where(and(active, eq(approval_chains.name, SEEDED_CHAIN.name)));
  if (seeded) return seeded;
  return {
    id: null,
    name: SEEDED_CHAIN.name,
    is_sequential: SEEDED_CHAIN.is_sequential,
    timeout_hours: SEEDED_CHAIN.timeout_hours,
    steps: SEEDED_CHAIN.steps,
  };
}

/**
 * Create the request for an action, or refresh the pending one with the same dedup key (§3.4 rule 5):
 * never a duplicate; a changed payload hash voids every approval so far and restarts at step 0;
 * expires_at never moves.
 */
export async function createApprovalRequest(
  tx: DbOrTx,
  origin: EventOrigin,
  input: CreateApprovalInput,
): Promise<CreateApprovalResult> {
  const accountId = origin.principal.accountId;
  if (input.action_payload.account_id !== accountId) {
    throw new Error("action_payload.account_id must be the requesting account");
  }
  const hash = actionDigest(input.action_payload);
  const description = input.description.slice(0, 500);
  const [pending] = await tx
    .select()
    .from(approval_requests)
    .where(
      and(
        eq(approval_requests.account_id, accountId),
        eq(approval_requests.dedup_key, input.dedup_key),
        eq(approval_requests.status, "pending"),
      ),
    )
    .for("update");
  if (pending) {
    const hashChanged = pending.payload_hash !== hash;
    const [row] = await tx
      .update(approval_requests)
      .set({
        description,
        severity: input.severity,
        action_payload: input.action_payload,
        payload_hash: hash,
        ...(input.plan === undefined ? {} : { plan: input.plan }),
        ...(input.reasoning === undefined ? {} : { reasoning: input.reasoning }),
        ...(input.learning_evidence === undefined ? {} : { learning_evidence: input.learning_evidence }),
        ...(input.matched_policy_id === undefined ? {} : { matched_policy_id: input.matched_policy_id }),
        ...(hashChanged ? { current_step: 0 } : {}),
        version: sql`${approval_requests.version} + 1`,
        updated_at: origin.now,
      })
      .where(eq(approval_requests.id, pending.id))
      .returning();
    if (hashChanged) {
      const voided = await tx
        .update(approval_decisions)
        .set({ voided_at: origin.now })
        .where(and(eq(approval_decisions.approval_request_id, pending.id), isNull(approval_decisions.voided_at)))
        .returning({ id: approval_decisions.id });
      await emitEvent(tx, origin, {
        kind: "autonomy.approval_refreshed",
        severity: "medium",
        subject_type: "approval_request",
        subject_id: pending.id,
        fingerprint: input.fingerprint ?? pending.fingerprint,
        payload: {
          approval_request_id: pending.id,
          previous_payload_hash: pending.payload_hash,
          payload_hash: hash,
          voided_decisions: voided.length,
        },
      });
    }
    return { request: row!, outcome: hashChanged ? "refreshed" : "unchanged" };
  }
  const chain = await chainFor(tx, accountId, input.approval_chain_id);
  const [row] = await tx
    .insert(approval_requests)
    .values({
      account_id: accountId,
      chain_id: chain.id,
      chain_snapshot: { name: chain.name, is_sequential: chain.is_sequential, steps: chain.steps },
      source: input.source ?? origin.source,
      action_category: input.action_payload.action_category,
      dedup_key: input.dedup_key,
      fingerprint: input.fingerprint ?? null,
      signal_kind: input.signal_kind ?? null,
      severity: input.severity,
      description,
      action_payload: input.action_payload,
      payload_hash: hash,
      plan: input.plan ?? null,
      reasoning: input.reasoning ?? null,
      learning_evidence: input.learning_evidence ?? [],
      matched_policy_id: input.matched_policy_id ?? null,
      expires_at: new Date(origin.now.getTime() + chain.timeout_hours * 3_600_000),
      requested_by_agent_id: input.requested_by_agent_id ?? null,
      requested_by_user_id: input.requested_by_user_id ?? null,
      created_at: origin.now,
      updated_at: origin.now,
    })
    .returning();
  await emitEvent(tx, origin, {
    kind: "autonomy.approval_requested",
    severity: input.severity === "critical" || input.severity === "high" ? "high" : "medium",
    subject_type: "approval_request",
    subject_id: row!.id,
    fingerprint: row!.fingerprint,
    payload: {
      approval_request_id: row!.id,
      action_category: row!.action_category,
      dedup_key: row!.dedup_key,
      payload_hash: hash,
      expires_at: row!.expires_at.toISOString(),
    },
  });
  return { request: row!, outcome: "created" };
}

export interface DecideInput {
  id: string;
  verdict: "approve" | "reject";
  payload_hash: string;
  comment?: string | undefined;
  /**
   * Approve an edited action (approve only): these params replace planned ones of the same name and
   * JSON type. The edited action gets its own digest, earlier approvals of the old one are void, and
   * the approval is bound to the new digest.
   */
  edit_params?: Record<string, unknown> | undefined;
  /** The catalog's input schemas (Services.operationInput): an edited AI call must still parse. */
  operationInput?: ((operation: string) => z.ZodType | undefined) | undefined;
}

const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** The planned params with the reviewer's edits applied; only keys the plan has, each keeping its JSON type. */
export function editedParams(
  planned: Record<string, unknown>,
  edits: Record<string, unknown>,
): Record<string, unknown> {
  const errors = Object.entries(edits).flatMap(([k, v]) => {
    if (!(k in planned))
      return [
        { path: `params.${k}`, message: `not a param of this action (${Object.keys(planned).join(", ") || "none"})` },
      ];
    if (jsonType(v) !== jsonType(planned[k])) {
      return [{ path: `params.${k}`, message: `must stay a ${jsonType(planned[k])}, like the planned value` }];
    }
    return [];
  });
  // An AI call's action is {operation, input}: an edit may change how it runs, never what it runs on.
  if (typeof planned.operation === "string" && jsonType(planned.input) === "object") {
    const before = planned.input as Record<string, unknown>;
    const after = edits.input;
    if ("operation" in edits && edits.operation !== planned.operation) {
      errors.push({ path: "params.operation", message: "the operation of a call cannot be edited" });
    }
    if (jsonType(after) === "object" && (after as Record<string, unknown>).id !== before.id) {
      errors.push({
        path: "params.input.id",
        message: "the target of a call cannot be edited; reject it and ask again",
      });
    }
  }
  if (errors.length) throw invalidInput("the edited params do not fit this action", errors, "invalid_edit");
  return { ...planned, ...edits };
}

/** An edited AI call ({operation, input}) must still be input its operation accepts. */
function checkEditedCall(params: Record<string, unknown>, operationInput: DecideInput["operationInput"]): void {
  if (!operationInput || typeof params.operation !== "string" || jsonType(params.input) !== "object") return;
  const schema = operationInput(params.operation);
  if (!schema) return;
  const parsed = schema.safeParse(params.input);
  if (parsed.success) return;
  const errors = fromZodError(parsed.error, "params.input").errors ?? [];
  const first = errors[0];
  throw invalidInput(
    `the edited input is not valid for ${params.operation}${first ? `: ${first.path}: ${first.message}` : ""}`,
    errors,
    "invalid_edit",
  );
}

export interface DecideResult {
  request: ApprovalRequestRow;
  decision: ApprovalDecisionRow;
}

async function isApprover(db: DbOrTx, accountId: string, userId: string, step: ApprovalStep): Promise<boolean> {
  const [user] = await db
    .select({ role: users.role, status: users.status })
    .from(users)
    .where(and(eq(users.account_id, accountId), eq(users.id, userId)));
  if (user?.status !== "active") return false;
  return step.approvers.some((a) => a === "*" || a === userId || a === `role:${user.role}`);
}

/** Mark one overdue request expired (the same as a rejection), with its event. */
async function expireRequest(tx: DbOrTx, origin: EventOrigin, row: ApprovalRequestRow) {
  const [expired] = await tx
    .update(approval_requests)
    .set({
      status: "expired",
      decided_at: origin.now,
      updated_at: origin.now,
      version: sql`${approval_requests.version} + 1`,
    })
    .where(and(eq(approval_requests.id, row.id), eq(approval_requests.status, "pending")))
    .returning();
  if (expired) await emitEvent(tx, origin, expiredEvent(expired));
  return expired;
}

const expiredEvent = (row: ApprovalRequestRow) => ({
  kind: "autonomy.approval_expired",
  severity: "medium" as const,
  subject_type: "approval_request",
  subject_id: row.id,
  fingerprint: row.fingerprint,
  payload: {
    approval_request_id: row.id,
    action_category: row.action_category,
    dedup_key: row.dedup_key,
    expires_at: row.expires_at.toISOString(),
  },
});

/**
 * One operator's verdict on a pending request (§3.4 rules 1–4). The caller must be a user; the
 * decision row, the request's new state and the event commit together.
 */
export async function decideApproval(tx: DbOrTx, origin: EventOrigin, input: DecideInput): Promise<DecideResult> {
  const { principal, now } = origin;
  const accountId = principal.accountId;
  const [request] = await tx
    .select()
    .from(approval_requests)
    .where(and(eq(approval_requests.account_id, accountId), eq(approval_requests.id, input.id)))
    .for("update");
  if (!request) throw notFound("approval request", input.id);
  const userId = principal.userId;
  if (principal.actorType === "agent" || !userId) {
    throw forbidden("approval requests are decided by a person, never by an agent or a service token", {
      reason: "four_eyes",
    });
  }
  if (request.status !== "pending") {
    throw conflict(`approval request ${request.id} is ${request.status}, not pending`, {
      reason: "not_pending",
      current_state: request.status,
    });
  }
  if (request.expires_at.getTime() <= now.getTime()) {
    await expireRequest(tx, origin, request);
    // Kept: the expiry is itself the outcome, recorded even though the decision is refused.
    throw new AppError("conflict", `approval request ${request.id} expired at ${request.expires_at.toISOString()}`, {
      reason: "expired",
      current_state: "expired",
      commit: true,
    });
  }
  if (input.payload_hash !== request.payload_hash) {
    throw conflict("the action changed since it was shown: review it again and decide on the current payload_hash", {
      reason: "payload_changed",
      details: { payload_hash: request.payload_hash },
    });
  }
  if (request.requested_by_user_id === userId) {
    throw forbidden("the requester of an action cannot decide on it", { reason: "four_eyes" });
  }
  let payloadHash = request.payload_hash;
  if (input.edit_params !== undefined) {
    if (input.verdict !== "approve")
      throw invalidInput("only an approval can edit the action", [
        { path: "params", message: "not allowed with reject" },
      ]);
    const action = {
      ...request.action_payload,
      params: editedParams(request.action_payload.params, input.edit_params),
    };
    checkEditedCall(action.params, input.operationInput);
    payloadHash = actionDigest(action);
    if (payloadHash !== request.payload_hash) {
      const voided = await tx
        .update(approval_decisions)
        .set({ voided_at: now })
        .where(and(eq(approval_decisions.approval_request_id, request.id), isNull(approval_decisions.voided_at)))
        .returning({ id: approval_decisions.id });
      await tx
        .update(approval_requests)
        .set({ action_payload: action, payload_hash: payloadHash, current_step: 0, updated_at: now })
        .where(eq(approval_requests.id, request.id));
      await emitEvent(tx, origin, {
        kind: "autonomy.approval_edited",
        severity: "medium",
        subject_type: "approval_request",
        subject_id: request.id,
        fingerprint: request.fingerprint,
        payload: {
          approval_request_id: request.id,
          previous_payload_hash: request.payload_hash,
          payload_hash: payloadHash,
          edited: input.edit_params,
          voided_decisions: voided.length,
        },
      });
    }
  }
  const decisions = await tx
    .select()
    .from(approval_decisions)
    .where(and(eq(approval_decisions.approval_request_id, request.id), isNull(approval_decisions.voided_at)))
    .orderBy(asc(approval_decisions.decided_at));
  const { steps, is_sequential } = request.chain_snapshot;
  const approvalsAt = (i: number) =>
    new Set(decisions.filter((d) => d.step_index === i && d.verdict === "approve").map((d) => d.user_id));
  const passed = (i: number) => approvalsAt(i).size >= steps[i]!.required_approvals;
  // Sequential chains decide their current step; others the first open step this user may decide.
  let stepIndex = -1;
  for (let i = 0; i < steps.length; i++) {
    if (passed(i)) continue;
    if (is_sequential || (await isApprover(tx, accountId, userId, steps[i]!))) {
      stepIndex = i;
      break;
    }
  }
  if (stepIndex < 0) throw forbidden("you are not an approver of any open step of this request");
  if (decisions.some((d) => d.user_id === userId && d.step_index !== stepIndex)) {
    throw forbidden("you already decided another step of this request", { reason: "four_eyes" });
  }
  if (decisions.some((d) => d.user_id === userId && d.step_index === stepIndex)) {
    throw conflict("you already decided this step", { reason: "already_decided" });
  }
  if (!(await isApprover(tx, accountId, userId, steps[stepIndex]!))) {
    throw forbidden(`you are not an approver of step "${steps[stepIndex]!.name}"`, { reason: "not_approver" });
  }
  const [decision] = await tx
    .insert(approval_decisions)
    .values({
      account_id: accountId,
      approval_request_id: request.id,
      step_index: stepIndex,
      user_id: userId,
      verdict: input.verdict,
      comment: input.comment ?? null,
      // The digest this approval is bound to: the edited action's when the reviewer edited it.
      payload_hash_seen: payloadHash,
      decided_at: now,
    })
    .returning();
  decisions.push(decision!);
  let status: ApprovalRequestRow["status"] = "pending";
  let currentStep = request.current_step;
  if (input.verdict === "reject") {
    status = "rejected";
  } else {
    let next = 0;
    while (next < steps.length && passed(next)) next++;
    currentStep = next;
    if (next >= steps.length) status = "approved";
  }
  const [updated] = await tx
    .update(approval_requests)
    .set({
      status,
      current_step: Math.min(currentStep, steps.length - 1),
      ...(status === "pending" ? {} : { decided_at: now }),
      ...(status === "rejected" ? { rejection_reason: input.comment ?? null } : {}),
      updated_at: now,
      version: sql`${approval_requests.version} + 1`,
    })
    .where(eq(approval_requests.id, request.id))
    .returning();
  const kind =
    status === "approved"
      ? "autonomy.approval_approved"
      : status === "rejected"
        ? "autonomy.approval_rejected"
        : "autonomy.approval_step_approved";
  await emitEvent(tx, origin, {
    kind,
    severity: status === "pending" ? "low" : "medium",
    subject_type: "approval_request",
    subject_id: request.id,
    fingerprint: request.fingerprint,
    payload: {
      approval_request_id: request.id,
      action_category: request.action_category,
      decision_id: decision!.id,
      verdict: input.verdict,
      step_index: stepIndex,
      step_name: steps[stepIndex]!.name,
      status,
      payload_hash: payloadHash,
      ...(input.comment ? { comment: input.comment } : {}),
    },
  });
  return { request: updated!, decision: decision! };
}

/**
 * Expire every pending request past its expires_at (§3.4 rule 6), in one account or all of them,
 * each with its `autonomy.approval_expired` event. For the tick start and the 5-minute job.
 */
export async function expireOverdueApprovals(
  tx: DbOrTx,
  opts: { now: Date; accountId?: string; correlationId?: string | null },
): Promise<ApprovalRequestRow[]> {
  const expired = await tx
    .update(approval_requests)
    .set({
      status: "expired",
      decided_at: opts.now,
      updated_at: opts.now,
      version: sql`${approval_requests.version} + 1`,
    })
    .where(
      and(
        eq(approval_requests.status, "pending"),
        lte(approval_requests.expires_at, opts.now),
        opts.accountId ? eq(approval_requests.account_id, opts.accountId) : undefined,
      ),
    )
    .returning();
  const byAccount = new Map<string, ApprovalRequestRow[]>();
  for (const row of expired) byAccount.set(row.account_id, [...(byAccount.get(row.account_id) ?? []), row]);
  for (const [accountId, rows] of byAccount) {
    const origin: EventOrigin = {
      principal: systemPrincipal(accountId, []),
      source: "approval",
      correlationId: opts.correlationId ?? null,
      now: opts.now,
    };
    await emitEvents(tx, origin, rows.map(expiredEvent));
  }
  return expired;
}

/**
 * The §3.4 rule-7 cooldown: when the last request for `dedupKey` was rejected or expired less than
 * `cooldownSeconds` ago (1 h, 4 h for flag-F categories, from autonomy_settings), the instant it
 * ends; else null. The gate answers `suppressed` (rejection_cooldown, until) while it runs.
 */
export async function rejectionCooldownUntil(
  db: DbOrTx,
  accountId: string,
  dedupKey: string,
  now: Date,
  cooldownSeconds: number,
): Promise<Date | null> {
  if (cooldownSeconds <= 0) return null;
  const since = new Date(now.getTime() - cooldownSeconds * 1000);
  const [last] = await db
    .select({ decided_at: approval_requests.decided_at })
    .from(approval_requests)
    .where(
      and(
        eq(approval_requests.account_id, accountId),
        eq(approval_requests.dedup_key, dedupKey),
        inArray(approval_requests.status, ["rejected", "expired"]),
        gt(approval_requests.decided_at, since),
      ),
    )
    .orderBy(desc(approval_requests.decided_at))
    .limit(1);
  return last?.decided_at ? new Date(last.decided_at.getTime() + cooldownSeconds * 1000) : null;
}
