import { describe, expect, it } from "vitest";
import type { ApprovalDecision } from "../../lib/approval-types";
import { approvalProgress, skipReason } from "./eligibility";
import { matchesFilters, parseFilters } from "./filters";
import type { ApprovalListItem } from "./types";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const me = { userId: "u-me", role: "operator", scopes: ["autonomy:write", "fleet:write"] };

const req = (over: Partial<ApprovalListItem> = {}): ApprovalListItem => ({
  id: "r1",
  chain_id: null,
  chain: {
    name: "default",
    is_sequential: true,
    steps: [{ name: "ops", approvers: ["role:operator"], required_approvals: 1 }],
  },
  source: "mcp",
  action_category: "instance.reboot",
  severity: "medium",
  description: "reboot edge-1",
  action_payload: {
    account_id: "a",
    action_category: "instance.reboot",
    target: { type: "instance", id: "i1" },
    params: {},
  },
  payload_hash: "0".repeat(64),
  plan: null,
  reasoning: "policy p requires approval",
  learning_evidence: [],
  matched_policy_id: null,
  status: "pending",
  current_step: 0,
  expires_at: "2025-06-01T14:00:00Z",
  requested_by_agent_id: null,
  requested_by_user_id: "u-other",
  decided_at: null,
  rejection_reason: null,
  execution_status: null,
  execution_result: null,
  executed_at: null,
  created_at: "2025-06-01T11:00:00Z",
  updated_at: "2025-06-01T11:00:00Z",
  ...over,
});

const decision = (over: Partial<ApprovalDecision>): ApprovalDecision => ({
  id: "d",
  step_index: 0,
  user_id: "u-x",
  verdict: "approve",
  comment: null,
  payload_hash_seen: "0".repeat(64),
  decided_at: "2025-06-01T11:30:00Z",
  voided_at: null,
  ...over,
});

describe("skipReason", () => {
  it("lets an approver of the open step decide someone else's pending request", () => {
    expect(skipReason(req(), [], me, NOW)).toBeNull();
  });
  it("skips own requests, expired or decided ones, and missing permission", () => {
    expect(skipReason(req({ requested_by_user_id: "u-me" }), [], me, NOW)).toMatch(/your own request/);
    expect(skipReason(req({ expires_at: "2025-06-01T11:59:00Z" }), [], me, NOW)).toBe("expired");
    expect(skipReason(req({ status: "approved" }), [], me, NOW)).toBe("already approved");
    expect(skipReason(req(), [], { ...me, scopes: ["autonomy:read"] }, NOW)).toBe("missing permission: autonomy:write");
    expect(skipReason(req(), [decision({ user_id: "u-me" })], me, NOW)).toBe("you already decided this request");
  });
  it("skips requests whose open step names other approvers", () => {
    const chain = {
      name: "c",
      is_sequential: true,
      steps: [{ name: "sec", approvers: ["role:admin"], required_approvals: 1 }],
    };
    expect(skipReason(req({ chain }), [], me, NOW)).toMatch(/not an approver/);
  });
});

describe("approvalProgress", () => {
  it("counts live approvals against all steps' requirements, unknown without decisions", () => {
    const chain = {
      name: "c",
      is_sequential: true,
      steps: [
        { name: "a", approvers: ["*"], required_approvals: 2 },
        { name: "b", approvers: ["*"], required_approvals: 1 },
      ],
    };
    expect(approvalProgress(req({ chain }), undefined)).toEqual({ given: null, needed: 3 });
    expect(
      approvalProgress(req({ chain }), [decision({}), decision({ id: "v", voided_at: "2025-06-01T11:40:00Z" })]),
    ).toEqual({ given: 1, needed: 3 });
  });
});

describe("filters", () => {
  it("defaults to pending, sorted by expiry", () => {
    expect(parseFilters({})).toEqual({ status: "pending", category: "", expires: null, q: "", sort: "expiry" });
    expect(parseFilters({ status: "bogus", expires: "2h" }).status).toBe("pending");
  });
  it("keeps a row expiring within the window and matching the text", () => {
    const f = parseFilters({ expires: "4h", q: "EDGE-1" });
    expect(matchesFilters(req(), f, NOW)).toBe(true);
    expect(matchesFilters(req({ expires_at: "2025-06-01T17:00:00Z" }), f, NOW)).toBe(false);
    expect(matchesFilters(req(), parseFilters({ expires: "1h" }), NOW)).toBe(false);
  });
});
