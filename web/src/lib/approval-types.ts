// approval_request.get's output (core/src/operations/approval-request.ts): the fields the approval
// card reads. States are the store's APPROVAL_STATES and EXECUTION_STATES.

export type ApprovalStatus = "pending" | "approved" | "rejected" | "expired" | "cancelled";
export type ExecutionStatus = "executing" | "applied" | "refused" | "failed" | "stale" | "obsolete";

export interface ApprovalDecision {
  id: string;
  step_index: number;
  user_id: string | null;
  verdict: "approve" | "reject";
  comment: string | null;
  payload_hash_seen: string;
  decided_at: string;
  voided_at: string | null;
}

export interface ApprovalChainStep {
  name: string;
  approvers: string[];
  required_approvals: number;
}

export interface ApprovalRequest {
  id: string;
  chain_id: string | null;
  chain: { name: string; is_sequential: boolean; steps: ApprovalChainStep[] };
  source: string;
  action_category: string;
  severity: string;
  description: string;
  action_payload: {
    account_id: string;
    action_category: string;
    target: { type: string; id: string };
    params: Record<string, unknown>;
  };
  payload_hash: string;
  plan: Record<string, unknown> | null;
  reasoning: string | null;
  learning_evidence: unknown[];
  matched_policy_id: string | null;
  status: ApprovalStatus;
  current_step: number;
  expires_at: string;
  requested_by_agent_id: string | null;
  requested_by_user_id: string | null;
  decided_at: string | null;
  rejection_reason: string | null;
  execution_status: ExecutionStatus | null;
  execution_result: Record<string, unknown> | null;
  executed_at: string | null;
  created_at: string;
  updated_at: string;
  decisions: ApprovalDecision[];
}

export const approvalPath = (id: string) => `/api/v1/autonomy/approval_requests/${encodeURIComponent(id)}`;
