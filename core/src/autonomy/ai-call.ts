// One catalog call by an AI actor (spec/mcp.md §5 "Gate", spec/ui.md §3.4): what MCP's tools/call
// and the concierge's tool runner share. Reads run at once; writes and destructive calls pass the
// gate first, in a transaction of their own (ADR 0012): pending leaves only the approval request,
// blocked is `forbidden` naming the policy, proceed runs the one invoke pipeline.
import type { Principal } from "../auth/principal.ts";
import type { Services } from "../catalog/context.ts";
import { invoke, parseInput, requireScope } from "../catalog/invoke.ts";
import type { AnyOperation } from "../catalog/operation.ts";
import { AppError } from "../errors.ts";
import type { ApprovalRequestRow } from "./approvals.ts";
import { type CallSurface, callEventSource, gateCall } from "./call-gate.ts";

/** What a gated call answers while it waits for a person (the same shape on every surface). */
export interface PendingCall {
  status: "pending_approval";
  approval_request_id: string;
  action_digest: string;
  expires_at: string;
  operation: string;
  reason: string;
}

export function pendingCallOf(
  op: AnyOperation,
  request: Pick<ApprovalRequestRow, "id" | "payload_hash" | "expires_at" | "reasoning">,
): PendingCall {
  return {
    status: "pending_approval",
    approval_request_id: request.id,
    action_digest: request.payload_hash,
    expires_at: request.expires_at.toISOString(),
    operation: op.name,
    reason: request.reasoning ?? "approval required",
  };
}

export const blockedCallError = (op: AnyOperation, policyId: string | null) =>
  new AppError("forbidden", `${op.name} is blocked by policy ${policyId ?? "(unknown)"} for AI clients`, {
    reason: "blocked_by_policy",
    details: { policy_id: policyId },
  });

export type GatedCall =
  | { outcome: "proceed" }
  | { outcome: "pending"; pending: PendingCall; request: ApprovalRequestRow }
  | { outcome: "blocked"; error: AppError };

export interface AiCall {
  op: AnyOperation;
  principal: Principal;
  /** The parsed input. */
  input: Record<string, unknown>;
  requestId: string;
  via: CallSurface;
  correlationId?: string | null;
}

/** The gate's verdict on an already parsed call; reads always proceed. */
export async function gateAiCall(services: Services, call: AiCall): Promise<GatedCall> {
  const { op } = call;
  if (op.effect === "read") return { outcome: "proceed" };
  const now = services.clock();
  const gate = await services.database.db.transaction((tx) =>
    gateCall(tx, {
      op,
      principal: call.principal,
      input: call.input,
      now,
      requestId: call.requestId,
      correlationId: call.correlationId ?? null,
      via: call.via,
    }),
  );
  if (gate.outcome === "blocked")
    return { outcome: "blocked", error: blockedCallError(op, gate.level.matched_policy_id) };
  if (gate.outcome === "pending") {
    return { outcome: "pending", pending: pendingCallOf(op, gate.request), request: gate.request };
  }
  return { outcome: "proceed" };
}

export type AiCallResult = { status: "applied"; output: unknown } | PendingCall;

/**
 * Scope → parse → gate → invoke for one call with raw arguments. Throws the AppError of a refusal
 * (scope, input, a block, the operation's own); a gated call answers pending without running.
 */
export async function runAiCall(
  services: Services,
  call: Omit<AiCall, "input"> & { rawInput: unknown },
): Promise<AiCallResult> {
  requireScope(call.op, call.principal);
  const input = parseInput(call.op, call.rawInput ?? {}) as Record<string, unknown>;
  const gate = await gateAiCall(services, { ...call, input });
  if (gate.outcome === "blocked") throw gate.error;
  if (gate.outcome === "pending") return gate.pending;
  const output = await invoke(services, call.op, call.principal, input, {
    source: callEventSource(call.via),
    requestId: call.requestId,
    correlationId: call.correlationId ?? null,
  });
  return { status: "applied", output };
}
