"use client";
// Bulk decisions (spec/ui.md §4): each eligible request is decided on its own, with the payload_hash
// the viewer saw in the queue, so a request that changed since is refused (409) and reported as a
// conflict instead of approved blind. Skipped items are reported with their reason.
import { decisionErrorText } from "@/components/approval-card/approval-model";
import { ApiError, api } from "@/lib/api-client";
import { approvalPath } from "@/lib/approval-types";
import type { ApprovalListItem, ApprovalRequest } from "./types";

export type Verdict = "approve" | "reject";
export type ItemOutcome = "approved" | "rejected" | "skipped" | "conflict" | "failed";

export interface ItemResult {
  id: string;
  label: string;
  outcome: ItemOutcome;
  detail: string;
}

export interface BulkPlanItem {
  row: ApprovalListItem;
  skip: string | null;
}

export const MIN_REJECT_REASON = 3;

export const itemLabel = (r: ApprovalListItem) => `${r.action_category}: ${r.description}`;

export async function runBulk(
  verdict: Verdict,
  plan: readonly BulkPlanItem[],
  reason: string,
  onProgress: (done: number, total: number) => void,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const todo = plan.filter((p) => p.skip === null);
  let done = 0;
  for (const { row, skip } of plan) {
    if (skip !== null) {
      results.push({ id: row.id, label: itemLabel(row), outcome: "skipped", detail: skip });
      continue;
    }
    const body =
      verdict === "approve"
        ? { payload_hash: row.payload_hash, ...(reason ? { comment: reason } : {}) }
        : { payload_hash: row.payload_hash, reason };
    try {
      const res = await api<{ data: ApprovalRequest }>("POST", `${approvalPath(row.id)}/${verdict}`, body);
      const still = res.data.status === "pending";
      results.push({
        id: row.id,
        label: itemLabel(row),
        outcome: verdict === "approve" ? "approved" : "rejected",
        detail: still ? "your approval is recorded; the request needs more approvals" : `request ${res.data.status}`,
      });
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      const problem = err instanceof ApiError ? err.problem : { status: 0 };
      results.push({
        id: row.id,
        label: itemLabel(row),
        outcome: status === 409 ? "conflict" : status === 403 ? "skipped" : "failed",
        detail: decisionErrorText(status, problem),
      });
    }
    done += 1;
    onProgress(done, todo.length);
  }
  return results;
}
