import { describe, expect, it } from "vitest";
import type { FleetEvent } from "../fleet/types";
import { buildTimeline } from "./timeline";
import type { ApprovalRequest } from "./types";

const request = {
  id: "r1",
  chain: { name: "c", is_sequential: true, steps: [{ name: "ops", approvers: ["*"], required_approvals: 2 }] },
  description: "reboot edge-1",
  status: "approved",
  requested_by_user_id: "u1",
  created_at: "2025-06-01T10:00:00Z",
  decided_at: "2025-06-01T10:30:00Z",
  executed_at: "2025-06-01T10:31:00Z",
  execution_status: "applied",
  decisions: [
    {
      id: "d1",
      step_index: 0,
      user_id: "u2",
      verdict: "approve",
      comment: "ok",
      payload_hash_seen: "",
      decided_at: "2025-06-01T10:05:00Z",
      voided_at: "2025-06-01T10:10:00Z",
    },
    {
      id: "d2",
      step_index: 0,
      user_id: "u2",
      verdict: "approve",
      comment: null,
      payload_hash_seen: "",
      decided_at: "2025-06-01T10:20:00Z",
      voided_at: null,
    },
  ],
} as unknown as ApprovalRequest;

const ev = (id: string, kind: string, at: string): FleetEvent =>
  ({ id, kind, created_at: at, payload: {}, actor_type: "system", actor_id: null }) as unknown as FleetEvent;

describe("buildTimeline", () => {
  it("orders entries, collapses in-place updates and marks voided decisions", () => {
    const t = buildTimeline(request, [
      ev("e0", "autonomy.approval_requested", "2025-06-01T10:00:00Z"),
      ev("e1", "autonomy.approval_refreshed", "2025-06-01T10:08:00Z"),
      ev("e2", "autonomy.approval_refreshed", "2025-06-01T10:10:00Z"),
      ev("e3", "autonomy.approval_step_approved", "2025-06-01T10:20:00Z"),
    ]);
    expect(t.map((e) => e.title)).toEqual([
      "Requested",
      "Approved (ops)",
      "Updated in place",
      "Approved (ops)",
      "Executed: applied",
    ]);
    expect(t[1]!.voided).toBe(true);
    expect(t[2]!.count).toBe(2);
    expect(t[2]!.at).toBe("2025-06-01T10:10:00Z");
  });
});
