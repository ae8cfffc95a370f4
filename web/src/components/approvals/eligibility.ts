// Who may decide what, as far as the page can tell before asking (spec/ui.md §4 Bulk, spec/autonomy.md
// §3.4): a request must be pending and unexpired; the viewer needs autonomy:write, must not be its
// requester, must not have decided it already, and must be an approver of an open step ("*", their
// user id, or role:<role>). The server re-checks every rule; a miss here shows up as its refusal.

import type { ApprovalDecision } from "../../lib/approval-types";
import { hasScope } from "../../lib/session";
import type { ApprovalListItem } from "./types";

export interface Viewer {
  userId: string | null;
  role: string | null;
  scopes: readonly string[];
}

/** null: eligible; otherwise why the request is skipped. */
export function skipReason(
  r: ApprovalListItem,
  decisions: readonly ApprovalDecision[] | undefined,
  viewer: Viewer,
  now: number,
): string | null {
  if (r.status !== "pending") return `already ${r.status}`;
  if (Date.parse(r.expires_at) <= now) return "expired";
  if (!hasScope(viewer.scopes, "autonomy:write")) return "missing permission: autonomy:write";
  if (!viewer.userId) return "decisions are made by a signed-in person";
  if (r.requested_by_user_id === viewer.userId) return "your own request: another person must decide it";
  const live = (decisions ?? []).filter((d) => d.voided_at === null);
  if (live.some((d) => d.user_id === viewer.userId)) return "you already decided this request";
  const passed = (i: number) =>
    decisions !== undefined &&
    new Set(live.filter((d) => d.step_index === i && d.verdict === "approve").map((d) => d.user_id)).size >=
      r.chain.steps[i]!.required_approvals;
  const open = r.chain.steps.map((step, i) => ({ step, i })).filter(({ i }) => i >= r.current_step && !passed(i));
  const candidates = r.chain.is_sequential ? open.slice(0, 1) : open;
  const mine = candidates.some(({ step }) =>
    step.approvers.some(
      (a) => a === "*" || a === viewer.userId || (viewer.role !== null && a === `role:${viewer.role}`),
    ),
  );
  return mine ? null : "you are not an approver of its open step";
}

/** Approvals given so far over approvals needed, or null while the decisions are unknown. */
export function approvalProgress(
  r: ApprovalListItem,
  decisions: readonly ApprovalDecision[] | undefined,
): { given: number | null; needed: number } {
  const needed = r.chain.steps.reduce((n, s) => n + s.required_approvals, 0);
  if (!decisions) return { given: null, needed };
  const given = decisions.filter((d) => d.voided_at === null && d.verdict === "approve").length;
  return { given, needed };
}
