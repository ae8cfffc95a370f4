// Runs AI calls a person approved (spec/mcp.md §5 "pending"): each approved request that call-gate
// made is claimed once (execution_status null → executing), re-checked against its digest, and run
// through the one invoke pipeline as the token that asked — as that token stands now, so a revoked
// or narrowed token runs nothing — under the idempotency key `approval:<id>`, then stamped with the
// result and an `autonomy.approval_executed` event. The client that asked reads it with approval_request.get.
import { approval_requests, type Database } from "@nodepilot/store";
import { and, asc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { systemPrincipal } from "../auth/principal.ts";
import { principalForTokenId } from "../auth/tokens.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Services } from "../catalog/context.ts";
import { invoke, parseInput } from "../catalog/invoke.ts";
import { toAppError } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { actionDigest } from "./action-digest.ts";
import type { ApprovalRequestRow } from "./approvals.ts";
import { CALL_REQUEST_SOURCE, callCategories } from "./call-gate.ts";

const CallParams = z.object({ operation: z.string(), input: z.record(z.string(), z.unknown()) }).strict();
const CallPlan = z.object({ token_id: z.uuid() }).loose();

type Execution = { status: "applied" | "refused" | "failed" | "stale"; result: Record<string, unknown> };

async function claim(db: Database["db"], id: string): Promise<boolean> {
  const rows = await db
    .update(approval_requests)
    .set({ execution_status: "executing" })
    .where(and(eq(approval_requests.id, id), isNull(approval_requests.execution_status)))
    .returning({ id: approval_requests.id });
  return rows.length === 1;
}

async function run(services: Services, catalog: Catalog, r: ApprovalRequestRow): Promise<Execution> {
  if (actionDigest(r.action_payload) !== r.payload_hash) {
    return { status: "stale", result: { error: "the stored action does not match its digest" } };
  }
  const params = CallParams.safeParse(r.action_payload.params);
  const plan = CallPlan.safeParse(r.plan);
  const op = params.success ? catalog.get(params.data.operation) : undefined;
  // An approver's edit may change the call's input, never which operation (or category) it is.
  if (!params.success || !plan.success || !op || (!op.callScope && op.actionCategory !== r.action_category)) {
    return { status: "refused", result: { error: "the approved action is not a call this build can run" } };
  }
  try {
    const principal = await principalForTokenId(
      services.database.db,
      r.account_id,
      plan.data.token_id,
      services.clock(),
    );
    // A bulk call's category came from its items: the (edited) input must still act under it.
    if (op.callScope) {
      const input = parseInput(op, params.data.input);
      const scope = await op.callScope(services.database.db, principal, input, services.clock());
      if (!callCategories(op, scope.categories).includes(r.action_category)) {
        return {
          status: "refused",
          result: { operation: op.name, error: `the approved input no longer acts under ${r.action_category}` },
        };
      }
    }
    const output = await invoke(services, op, principal, params.data.input, {
      source: "approval",
      correlationId: `approval:${r.id}`,
      idempotencyKey: `approval:${r.id}`,
    });
    return { status: "applied", result: { operation: op.name, output } };
  } catch (err) {
    const e = toAppError(err);
    const error = { code: e.code, message: e.message, ...(e.reason ? { reason: e.reason } : {}) };
    return { status: e.code === "internal" ? "failed" : "refused", result: { operation: op.name, error } };
  }
}

/** Execute every approved, unclaimed AI call of the account; returns how many ended in each status. */
export async function executeApprovedCalls(
  services: Services,
  catalog: Catalog,
  accountId: string,
): Promise<Record<string, number>> {
  const db = services.database.db;
  const due = await db
    .select()
    .from(approval_requests)
    .where(
      and(
        eq(approval_requests.account_id, accountId),
        eq(approval_requests.source, CALL_REQUEST_SOURCE),
        eq(approval_requests.status, "approved"),
        isNull(approval_requests.execution_status),
      ),
    )
    .orderBy(asc(approval_requests.decided_at));
  const counts: Record<string, number> = {};
  for (const request of due) {
    if (!(await claim(db, request.id))) continue;
    const execution = await run(services, catalog, request);
    const now = services.clock();
    await db.transaction(async (tx) => {
      await tx
        .update(approval_requests)
        .set({ execution_status: execution.status, execution_result: execution.result, executed_at: now })
        .where(eq(approval_requests.id, request.id));
      await emitEvent(
        tx,
        { principal: systemPrincipal(accountId, []), source: "approval", correlationId: `approval:${request.id}`, now },
        {
          kind: "autonomy.approval_executed",
          severity: execution.status === "applied" ? "low" : "high",
          subject_type: "approval_request",
          subject_id: request.id,
          payload: { approval_request_id: request.id, execution_status: execution.status, ...execution.result },
        },
      );
    });
    counts[execution.status] = (counts[execution.status] ?? 0) + 1;
  }
  return counts;
}
