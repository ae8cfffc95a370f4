import { describe, expect, it } from "vitest";
import { describeToolPart } from "./tool-output";

const part = (output: unknown) => ({ toolName: "x", state: "output-available" as const, output });

describe("describeToolPart", () => {
  it("reads a list tool's data as rows with a count", () => {
    const v = describeToolPart(part({ data: [{ id: "a" }, { id: "b" }], meta: { has_more: true } }));
    expect(v).toMatchObject({ status: "succeeded", summary: "2 rows; more exist", more: true });
    expect(v.rows).toHaveLength(2);
    expect(describeToolPart(part({ items: [{ id: "a" }], has_more: false })).summary).toBe("1 row");
    expect(describeToolPart(part({ data: [] })).summary).toBe("No results");
  });

  it("maps gated outputs to awaiting approval, executed, rejected and expired", () => {
    const pending = describeToolPart(
      part({
        status: "pending_approval",
        approval_request_id: "r1",
        action_digest: "d",
        expires_at: "2030-01-01T00:00:00Z",
        operation: "instance.reboot",
        reason: "default: no matching policy",
      }),
    );
    expect(pending).toMatchObject({ status: "awaiting approval", approvalId: "r1" });
    expect(pending.summary).toContain("instance.reboot");
    expect(describeToolPart(part({ status: "executed", execution_status: "applied", result: {} })).status).toBe(
      "succeeded",
    );
    expect(describeToolPart(part({ status: "executed", execution_status: "failed", result: {} })).status).toBe(
      "failed",
    );
    expect(describeToolPart(part({ status: "rejected", execution_status: null, result: null })).status).toBe("blocked");
    expect(describeToolPart(part({ status: "expired", execution_status: null, result: null })).status).toBe("blocked");
  });

  it("reports running, failed and blocked calls", () => {
    expect(describeToolPart({ toolName: "x", state: "input-available" }).status).toBe("running");
    expect(describeToolPart({ toolName: "x", state: "output-error", errorText: "not_found: no node" })).toMatchObject({
      status: "failed",
      summary: "not_found: no node",
    });
    expect(
      describeToolPart(
        part({ error: { code: "forbidden", reason: "blocked_by_policy", message: "no", policy_id: "p1" } }),
      ),
    ).toMatchObject({ status: "blocked", policyId: "p1" });
    expect(describeToolPart(part({ id: "i1", name: "edge-1", status: "running" })).summary).toBe("edge-1 — running");
    expect(
      describeToolPart({
        toolName: "instance_reboot",
        state: "output-error",
        errorText: "forbidden: instance.reboot is blocked by policy for AI clients",
        toolMetadata: {
          operation: "instance.reboot",
          effect: "write",
          error: { code: "forbidden", message: "…", reason: "blocked_by_policy", details: { policy_id: "p9" } },
        },
      }),
    ).toMatchObject({ status: "blocked", policyId: "p9" });
  });
});
