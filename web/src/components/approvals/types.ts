// approval_request.list items are approval_request.get without the decisions
// (core/src/operations/approval-request.ts); the card's type (lib/approval-types.ts) is the get.
import type { ApprovalRequest, ApprovalStatus } from "../../lib/approval-types";

export type ApprovalListItem = Omit<ApprovalRequest, "decisions">;
export type { ApprovalRequest, ApprovalStatus };

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ["pending", "approved", "rejected", "expired", "cancelled"];

export const approvalsPath = "/api/v1/autonomy/approval_requests";

/** The request's own fleet events, oldest first. */
export const approvalEventsPath = (id: string) =>
  `/api/v1/events?subject_type=approval_request&subject_id=${encodeURIComponent(id)}&order=asc&limit=200`;
