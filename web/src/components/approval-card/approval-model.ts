// The approval card's reading of a request: per-step progress, the similar learnings it cites, what
// changed when the action was edited, and the words for each refusal the decision API can return.
import type { Problem } from "@/lib/api-types";
import type { ApprovalRequest, ExecutionStatus } from "@/lib/approval-types";

export interface StepProgress {
  index: number;
  name: string;
  required: number;
  approvedBy: (string | null)[];
  current: boolean;
}

export function stepProgress(r: ApprovalRequest): StepProgress[] {
  const live = r.decisions.filter((d) => d.voided_at === null && d.verdict === "approve");
  return r.chain.steps.map((s, index) => ({
    index,
    name: s.name,
    required: s.required_approvals,
    approvedBy: live.filter((d) => d.step_index === index).map((d) => d.user_id),
    current: r.status === "pending" && index === r.current_step,
  }));
}

export interface LearningRef {
  id: string | null;
  title: string;
  outcome: string | null;
  similarity: number | null;
  confidence: number | null;
}

/** Up to three of the gate's similar learnings ({id, title, polarity, sim, confidence}). */
export function learningsOf(evidence: unknown[], limit = 3): LearningRef[] {
  const out: LearningRef[] = [];
  for (const e of evidence) {
    if (typeof e !== "object" || e === null) continue;
    const o = e as Record<string, unknown>;
    const title = typeof o.title === "string" ? o.title : null;
    if (!title) continue;
    out.push({
      id: typeof o.id === "string" ? o.id : null,
      title,
      outcome: typeof o.polarity === "string" ? o.polarity : null,
      similarity: typeof o.sim === "number" ? o.sim : null,
      confidence: typeof o.confidence === "number" ? o.confidence : null,
    });
    if (out.length >= limit) break;
  }
  return out;
}

export interface Change {
  path: string;
  before: unknown;
  after: unknown;
}

/** Leaf-level differences between two JSON values (an edited action's params). */
export function jsonChanges(before: unknown, after: unknown, path = ""): Change[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => jsonChanges(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: path || "(value)", before, after }];
}

const SETTLED: readonly ExecutionStatus[] = ["applied", "refused", "failed", "stale", "obsolete"];
export const executionSettled = (s: ExecutionStatus | null) => s !== null && SETTLED.includes(s);

/** The card's one-word state: the request's status, or what its execution came to. */
export function displayState(r: ApprovalRequest): string {
  if (r.status === "approved") {
    if (r.execution_status === "applied") return "executed";
    if (r.execution_status === "executing") return "executing";
    if (r.execution_status && executionSettled(r.execution_status)) return "execution failed";
  }
  if (r.status === "pending" && Date.parse(r.expires_at) <= Date.now()) return "expired";
  return r.status;
}

/** The action's operation and arguments, as the gate recorded them in action_payload.params. */
export function actionOf(r: ApprovalRequest): { operation: string | null; args: unknown } {
  const p = r.action_payload.params;
  const operation = typeof p.operation === "string" ? p.operation : null;
  return { operation, args: "input" in p ? p.input : p };
}

export const REQUESTER_REFUSAL = "You requested this action; another person must approve it.";

/** A decision this user may not make, known from the request itself: their own, or a step they decided. */
export function ownRefusal(r: ApprovalRequest, userId: string | null): string | null {
  if (!userId) return null;
  if (r.requested_by_user_id === userId) return REQUESTER_REFUSAL;
  const mine = r.decisions.filter((d) => d.voided_at === null && d.user_id === userId);
  if (mine.some((d) => d.step_index === r.current_step))
    return "You already decided this step; another approver must decide.";
  if (mine.length > 0)
    return "You already decided another step of this request; a different person must decide this one.";
  return null;
}

/** Why a decision was refused, in the words the card shows. */
export function decisionErrorText(status: number, problem: Problem & { current_state?: string }): string {
  const detail = problem.detail ?? "";
  if (status === 0) return "The API is unreachable; your decision was not recorded.";
  if (status === 403) {
    if (problem.reason === "four_eyes") {
      if (/requester/i.test(detail)) return REQUESTER_REFUSAL;
      if (/another step/i.test(detail))
        return "You already decided another step of this request; a different person must decide this one.";
      return "Approval requests are decided by a person signed in with their own account, not by an API token or agent.";
    }
    if (problem.reason === "not_approver") return `You are not an approver of this step: ${detail}`;
    return detail ? `Not allowed: ${detail}` : "You are not allowed to decide this request.";
  }
  if (status === 409) {
    switch (problem.reason) {
      case "payload_changed":
        return "This action changed since you opened it. Review the changes below, then decide again.";
      case "expired":
        return "This request expired before your decision; expiry counts as rejection.";
      case "not_pending":
        return `This request was already decided elsewhere (it is ${problem.current_state ?? "no longer pending"}).`;
      case "already_decided":
        return "You already decided this step; another approver must decide.";
    }
  }
  const fields = problem.errors?.map((e) => `${e.path}: ${e.message}`).join("; ");
  return [detail || problem.title || `HTTP ${status}`, fields].filter(Boolean).join(" — ");
}
