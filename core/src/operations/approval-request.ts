// Approval requests over the catalog (spec/autonomy.md §3.4): list and read what the gate is waiting
// on — the exact action, its digest, the matched policy, the evidence and the expiry — and approve or
// reject it under four-eyes, echoing the payload_hash that was reviewed.
import { APPROVAL_STATES, approval_decisions, approval_requests, EXECUTION_STATES } from "@nodepilot/store";
import { asc, eq, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import { type ApprovalRequestRow, decideApproval } from "../autonomy/approvals.ts";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdempotencyKey, IdInput, NullableTimestamp, Timestamp, Uuid } from "../schemas/common.ts";

const Hash = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be the 64-hex payload_hash shown with the request")
  .describe("The payload_hash of the request as you reviewed it; a changed action is refused.");

const DecisionSchema = z.strictObject({
  id: Uuid,
  step_index: z.number().int(),
  user_id: Uuid.nullable(),
  verdict: z.enum(["approve", "reject"]),
  comment: z.string().nullable(),
  payload_hash_seen: z.string(),
  decided_at: Timestamp,
  voided_at: NullableTimestamp,
});

const RequestSchema = z.strictObject({
  id: Uuid,
  chain_id: Uuid.nullable(),
  chain: z.strictObject({
    name: z.string(),
    is_sequential: z.boolean(),
    steps: z.array(
      z.strictObject({ name: z.string(), approvers: z.array(z.string()), required_approvals: z.number() }),
    ),
  }),
  source: z.string(),
  action_category: z.string(),
  dedup_key: z.string(),
  fingerprint: z.string().nullable(),
  signal_kind: z.string().nullable(),
  severity: z.string(),
  description: z.string(),
  action_payload: z.strictObject({
    account_id: Uuid,
    action_category: z.string(),
    target: z.strictObject({ type: z.string(), id: z.string() }),
    params: z.record(z.string(), z.unknown()),
  }),
  payload_hash: z.string(),
  plan: z.record(z.string(), z.unknown()).nullable(),
  reasoning: z.string().nullable(),
  learning_evidence: z.array(z.unknown()),
  matched_policy_id: Uuid.nullable(),
  status: z.enum(APPROVAL_STATES),
  current_step: z.number().int(),
  expires_at: Timestamp,
  requested_by_agent_id: Uuid.nullable(),
  requested_by_user_id: Uuid.nullable(),
  decided_at: NullableTimestamp,
  rejection_reason: z.string().nullable(),
  execution_status: z.enum(EXECUTION_STATES).nullable(),
  execution_result: z.record(z.string(), z.unknown()).nullable(),
  executed_at: NullableTimestamp,
  graph_thread_id: z
    .string()
    .nullable()
    .describe("The autonomy-gate thread paused on this request (its approval card), until the verdict is acted on."),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function requestOut(r: ApprovalRequestRow): z.infer<typeof RequestSchema> {
  const { chain_snapshot, account_id: _a, ...rest } = r;
  return {
    ...rest,
    chain: chain_snapshot,
    expires_at: r.expires_at.toISOString(),
    decided_at: iso(r.decided_at),
    executed_at: iso(r.executed_at),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const decisionOut = (d: typeof approval_decisions.$inferSelect): z.infer<typeof DecisionSchema> => ({
  id: d.id,
  step_index: d.step_index,
  user_id: d.user_id,
  verdict: d.verdict,
  comment: d.comment,
  payload_hash_seen: d.payload_hash_seen,
  decided_at: d.decided_at.toISOString(),
  voided_at: iso(d.voided_at),
});

const WithDecisions = RequestSchema.extend({ decisions: z.array(DecisionSchema) });

async function withDecisions(ctx: OpContext, r: ApprovalRequestRow) {
  const decisions = await ctx.db
    .select()
    .from(approval_decisions)
    .where(eq(approval_decisions.approval_request_id, r.id))
    .orderBy(asc(approval_decisions.decided_at), asc(approval_decisions.id));
  return { ...requestOut(r), decisions: decisions.map(decisionOut) };
}

export const approvalRequestList = defineOperation({
  name: "approval_request.list",
  title: "List approval requests",
  description:
    "List the autonomy approval requests, newest first, optionally by status (pending, approved, rejected, expired, cancelled) or action category. Each shows the exact action, its payload_hash, the matched policy and when it expires (expiry counts as rejection). Paginated with limit and cursor.",
  examples: [
    { phrase: "what is waiting for my approval", input: { status: ["pending"] } },
    {
      phrase: "recent rejected instance recoveries",
      input: { status: ["rejected"], action_category: "instance.recover" },
    },
  ],
  input: z.strictObject({
    ...listInputShape,
    status: z.array(z.enum(APPROVAL_STATES)).min(1).optional(),
    action_category: z.string().min(1).optional(),
  }),
  output: listOutput(RequestSchema),
  scope: "autonomy:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/autonomy/approval_requests" },
  async execute(ctx, input) {
    const a = approval_requests;
    const { after, order } = pageClause({ createdAt: a.created_at, id: a.id }, input.cursor, true);
    const filters: (SQL | undefined)[] = [
      eq(a.account_id, ctx.principal.accountId),
      input.status ? inArray(a.status, input.status) : undefined,
      input.action_category ? eq(a.action_category, input.action_category) : undefined,
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(a)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, requestOut);
  },
});

export const approvalRequestGet = defineOperation({
  name: "approval_request.get",
  title: "Get an approval request",
  description:
    "Read one approval request with its decisions: the exact action (action_payload) and its payload_hash to echo when deciding, plan, reasoning, learning evidence, matched policy, chain steps, status, current step and expiry.",
  examples: [
    { phrase: "show approval request 0190…", input: { id: "<request id>" } },
    { phrase: "what exactly would this approval do", input: { id: "<request id>" } },
  ],
  input: z.strictObject(IdInput),
  output: WithDecisions,
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/autonomy/approval_requests/:id" },
  async execute(ctx, input) {
    const row = await findInAccount(ctx.db, approval_requests, ctx.principal.accountId, input.id, "approval request");
    return withDecisions(ctx, row);
  },
});

const decide =
  (verdict: "approve" | "reject") =>
  async (
    ctx: OpContext,
    input: {
      id: string;
      payload_hash: string;
      comment?: string | undefined;
      reason?: string | undefined;
      params?: Record<string, unknown> | undefined;
    },
  ) => {
    const comment = verdict === "reject" ? input.reason : input.comment;
    const { request } = await decideApproval(ctx.db, ctx, {
      id: input.id,
      verdict,
      payload_hash: input.payload_hash,
      ...(comment === undefined ? {} : { comment }),
      ...(input.params === undefined ? {} : { edit_params: input.params }),
      operationInput: ctx.services.operationInput,
    });
    if (request.status !== "pending") {
      const notify = ctx.services.onApprovalDecided;
      if (notify) ctx.afterCommit(() => notify(request.account_id, request.id));
    }
    return withDecisions(ctx, request);
  };

export const approvalRequestApprove = defineOperation({
  name: "approval_request.approve",
  title: "Approve an approval request",
  description:
    "Approve a pending request's current step, echoing the payload_hash you reviewed (a changed action is refused with payload_changed). To approve a changed action, pass params: they replace planned params of the same name and type (e.g. hard: true for a power-cycle instead of a graceful reboot); the edited action gets a new payload_hash, earlier approvals are void, and yours is bound to the edit. Four-eyes: the requesting user, agents, and whoever decided another step cannot approve. When the last step has its required approvals the request is approved and the action runs. Refused once the request is no longer pending or has expired.",
  examples: [
    { phrase: "approve request 0190…", input: { id: "<request id>", payload_hash: "<payload_hash>" } },
    {
      phrase: "approve the instance recovery, looks right",
      input: { id: "<request id>", payload_hash: "<payload_hash>", comment: "checked the console" },
    },
    {
      phrase: "approve it, but power-cycle it instead",
      input: { id: "<request id>", payload_hash: "<payload_hash>", params: { hard: true } },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    payload_hash: Hash,
    comment: z.string().min(1).max(500).optional(),
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Approve an edited action: planned params to change (same names and JSON types)."),
    idempotency_key: IdempotencyKey,
  }),
  output: WithDecisions,
  scope: "autonomy:write",
  effect: "write",
  actionCategory: "autonomy.approval_decide",
  http: { method: "POST", path: "/autonomy/approval_requests/:id/approve", status: 200 },
  execute: decide("approve"),
});

export const approvalRequestReject = defineOperation({
  name: "approval_request.reject",
  title: "Reject an approval request",
  description:
    "Reject a pending request with a reason, echoing the payload_hash you reviewed. Any rejection rejects the whole request; the same action is then not requested again for the cooldown (1 h, 4 h for fleet-wide categories). Four-eyes rules as for approve.",
  examples: [
    {
      phrase: "reject request 0190…, not during the release",
      input: { id: "<request id>", payload_hash: "<payload_hash>", reason: "release freeze" },
    },
    {
      phrase: "no, do not reboot that box",
      input: { id: "<request id>", payload_hash: "<payload_hash>", reason: "investigating by hand" },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    payload_hash: Hash,
    reason: z.string().trim().min(1, "a reason is required").max(500),
    idempotency_key: IdempotencyKey,
  }),
  output: WithDecisions,
  scope: "autonomy:write",
  effect: "write",
  actionCategory: "autonomy.approval_decide",
  http: { method: "POST", path: "/autonomy/approval_requests/:id/reject", status: 200 },
  execute: decide("reject"),
});

export const approvalRequestOperations = [
  approvalRequestList,
  approvalRequestGet,
  approvalRequestApprove,
  approvalRequestReject,
] as const;
