// The Approvals nav badge's figure: pending, unexpired requests that someone other than their
// requester must decide (the API has no "I can approve" filter; approver membership is the server's).
import type { ListPage } from "./api-types";
import type { ApprovalRequest } from "./approval-types";

export const PENDING_APPROVALS_PATH = "/api/v1/autonomy/approval_requests?status=pending&limit=200";

export type PendingPage = ListPage<ApprovalRequest> & { meta?: { has_more?: boolean } };

/** A count, with `more` when the first page did not hold them all. */
export interface PendingCount {
  count: number;
  more: boolean;
}

export function actionableCount(page: PendingPage, userId: string | null, now: number = Date.now()): PendingCount {
  const count = page.data.filter(
    (r) =>
      r.status === "pending" &&
      Date.parse(r.expires_at) > now &&
      (userId === null || r.requested_by_user_id !== userId),
  ).length;
  return { count, more: page.meta?.has_more === true };
}
