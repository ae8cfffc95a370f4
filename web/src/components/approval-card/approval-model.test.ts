import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "@/lib/approval-types";
import { decisionErrorText, displayState, jsonChanges, learningsOf, ownRefusal, stepProgress } from "./approval-model";

const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  id: "r1",
  chain_id: null,
  chain: { name: "default", is_sequential: true, steps: [{ name: "ops", approvers: [], required_approvals: 2 }] },
  source: "chat",
  action_category: "instance.power",
  severity: "medium",
  description: "Reboot edge-1",
  action_payload: {
    account_id: "a",
    action_category: "instance.power",
    target: { type: "instance", id: "i1" },
    params: {},
  },
  payload_hash: "f".repeat(64),
  plan: null,
  reasoning: null,
  learning_evidence: [],
  matched_policy_id: null,
  status: "pending",
  current_step: 0,
  expires_at: new Date(Date.now() + 60_000).toISOString(),
  requested_by_agent_id: null,
  requested_by_user_id: "u1",
  decided_at: null,
  rejection_reason: null,
  execution_status: null,
  execution_result: null,
  executed_at: null,
  created_at: "2030-01-01T00:00:00Z",
  updated_at: "2030-01-01T00:00:00Z",
  decisions: [],
  ...over,
});

const decision = (user: string, voided = false) => ({
  id: user,
  step_index: 0,
  user_id: user,
  verdict: "approve" as const,
  comment: null,
  payload_hash_seen: "f".repeat(64),
  decided_at: "2030-01-01T00:00:00Z",
  voided_at: voided ? "2030-01-01T00:01:00Z" : null,
});

describe("approval model", () => {
  it("counts live approvals per step, ignoring voided ones", () => {
    const [step] = stepProgress(request({ decisions: [decision("u2"), decision("u3", true)] }));
    expect(step).toMatchObject({ required: 2, approvedBy: ["u2"], current: true });
  });

  it("keeps three learnings with a title", () => {
    const ev = [1, 2, 3, 4].map((n) => ({
      id: `l${n}`,
      title: `t${n}`,
      polarity: "confirmed",
      sim: 0.9,
      confidence: 1,
    }));
    expect(learningsOf([null, { id: "x" }, ...ev]).map((l) => l.id)).toEqual(["l1", "l2", "l3"]);
  });

  it("names the state after execution and at expiry", () => {
    expect(displayState(request({ status: "approved", execution_status: "applied" }))).toBe("executed");
    expect(displayState(request({ status: "approved", execution_status: "failed" }))).toBe("execution failed");
    expect(displayState(request({ expires_at: "2000-01-01T00:00:00Z" }))).toBe("expired");
  });

  it("words the decision API's refusals", () => {
    expect(
      decisionErrorText(403, {
        status: 403,
        reason: "four_eyes",
        detail: "the requester of an action cannot decide on it",
      }),
    ).toBe("You requested this action; another person must approve it.");
    expect(decisionErrorText(409, { status: 409, reason: "payload_changed", detail: "x" })).toMatch(
      /changed since you opened it/,
    );
    expect(decisionErrorText(409, { status: 409, reason: "not_pending", current_state: "approved" })).toMatch(
      /approved/,
    );
  });

  it("refuses the requester and a second decision by the same person before asking", () => {
    expect(ownRefusal(request(), "u1")).toMatch(/another person must approve/);
    expect(ownRefusal(request({ decisions: [decision("u2")] }), "u2")).toMatch(/already decided this step/);
    expect(ownRefusal(request(), "u2")).toBeNull();
    expect(ownRefusal(request(), null)).toBeNull();
  });

  it("lists leaf changes of an edited action", () => {
    expect(jsonChanges({ input: { id: "i1", hard: false } }, { input: { id: "i1", hard: true } })).toEqual([
      { path: "input.hard", before: false, after: true },
    ]);
  });
});
