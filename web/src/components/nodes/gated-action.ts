"use client";
// Page actions go through the same gate as chat (spec/ui.md §1.3): POST /api/v1/actions with the
// catalog operation and its input. The answer is applied (with the operation's output), pending
// approval (render the approval card for the request), or a problem — blocked by a policy (403
// with policy_id), refused by the state machine (409), or anything else.
import { ApiError, api } from "@/lib/api-client";
import type { Problem } from "@/lib/api-types";

export type GatedOutcome =
  | { status: "applied"; output: unknown }
  | {
      status: "pending_approval";
      approval_request_id: string;
      action_digest: string;
      expires_at: string;
      operation: string;
      reason: string;
    }
  | { status: "error"; httpStatus: number; problem: Problem; message: string };

type Answer =
  | { status: "applied"; output: unknown }
  | {
      status: "pending_approval";
      approval_request_id: string;
      action_digest: string;
      expires_at: string;
      operation: string;
      reason: string;
    };

/** The sentence the page shows for a refused action. */
export function problemMessage(status: number, problem: Problem): string {
  const extra = problem as Problem & { policy_id?: unknown; required_scope?: unknown };
  if (status === 403 && typeof extra.policy_id === "string") {
    return `Blocked by policy ${extra.policy_id}${problem.detail ? `: ${problem.detail}` : ""}`;
  }
  if (status === 403 && typeof extra.required_scope === "string") return `missing permission: ${extra.required_scope}`;
  return problem.detail ?? problem.title ?? `HTTP ${status}`;
}

export async function runGatedAction(operation: string, input: Record<string, unknown>): Promise<GatedOutcome> {
  try {
    const res = await api<{ data: Answer }>("POST", "/api/v1/actions", { operation, input });
    return res.data;
  } catch (err) {
    if (err instanceof ApiError) {
      return {
        status: "error",
        httpStatus: err.status,
        problem: err.problem,
        message: problemMessage(err.status, err.problem),
      };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { status: "error", httpStatus: 0, problem: { status: 0, detail: message }, message };
  }
}
