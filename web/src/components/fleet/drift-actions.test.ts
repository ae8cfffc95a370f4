import { describe, expect, it } from "vitest";
import {
  actionRequest,
  answeredItems,
  appliedText,
  bulkRefusal,
  bulkRequest,
  problemFields,
  reasonError,
  refusal,
  refusalNotes,
  refusals,
  remediableSelection,
  type Viewer,
} from "./drift-actions";
import { driftItem, I2 } from "./drift-fixture";

const ME = "0190d000-0000-7000-8000-000000000001";
const writer: Viewer = { userId: ME, scopes: ["fleet:write"] };
const reader: Viewer = { userId: ME, scopes: ["fleet:read"] };

const storage = driftItem({ id: "item-2", kind: "fleet.storage_assignment_drift", suggested_remediation: null });
const second = driftItem({ id: "item-3", subject: { type: "instance", id: I2, name: "web-2-a" } });

describe("which actions a row allows, and why not", () => {
  it("allows every action on an open, remediable item", () => {
    expect(refusals(driftItem(), writer)).toEqual({ remediate: null, snooze: null, resolve: null, assign: null });
  });

  it("disables everything on resolved and auto-resolved items, saying so once", () => {
    const r = refusals(driftItem({ status: "resolved", suggested_remediation: null }), writer);
    expect(Object.values(r)).toEqual(Array(4).fill("Already resolved"));
    expect(refusalNotes(r)).toEqual([
      { text: "Already resolved", actions: ["remediate", "snooze", "resolve", "assign"] },
    ]);
    expect(refusal("snooze", driftItem({ status: "auto_resolved" }), writer)).toBe(
      "Cleared: the sensor no longer reports it",
    );
  });

  it("says a kind without an executor has no automatic remediation, and still allows the rest", () => {
    const r = refusals(storage, writer);
    expect(r.remediate).toBe("No automatic remediation: this build has none for storage assignment drift");
    expect(r.snooze).toBeNull();
    expect(refusalNotes(r)).toEqual([{ text: r.remediate, actions: ["remediate"] }]);
  });

  it("refuses a second remediation while one waits for approval or runs", () => {
    const waiting = driftItem({
      status: "remediating",
      remediation: { state: "awaiting_approval", approval_request_id: "a1", task_ids: [], started_at: null },
    });
    expect(refusal("remediate", waiting, writer)).toBe("Its remediation awaits approval");
    expect(refusal("remediate", { ...waiting, status: "snoozed" }, writer)).toBe("Its remediation awaits approval");
    const running = driftItem({
      status: "remediating",
      remediation: { state: "running", approval_request_id: null, task_ids: ["t"], started_at: null },
    });
    expect(refusal("remediate", running, writer)).toBe("A remediation is under way");
    expect(refusal("snooze", running, writer)).toBeNull();
  });

  it("does not assign to the viewer twice, nor to a session without a user", () => {
    const mine = driftItem({ assignee: { user_id: ME, email: "me@example.test", name: "Me" } });
    expect(refusal("assign", mine, writer)).toBe("Already assigned to you");
    expect(refusal("assign", driftItem(), { userId: null, scopes: ["fleet:write"] })).toBe(
      "This session acts for no user",
    );
  });

  it("names the missing permission first for a reader", () => {
    expect(Object.values(refusals(driftItem(), reader))).toEqual(Array(4).fill("missing permission: fleet:write"));
    expect(bulkRefusal(["item-1"], reader)).toBe("missing permission: fleet:write");
  });
});

describe("reasons", () => {
  it("needs 3 to 500 characters after trimming", () => {
    expect(reasonError("  no ")).toMatch(/at least 3/);
    expect(reasonError("yes")).toBeNull();
    expect(reasonError("x".repeat(501))).toMatch(/at most 500/);
  });
});

describe("the calls the actions make", () => {
  it("sends each row action as its operation and input", () => {
    const item = driftItem();
    expect(actionRequest(item, { action: "remediate" })).toEqual({
      operation: "drift.remediate",
      input: { ids: ["item-1"] },
    });
    expect(actionRequest(item, { action: "snooze", duration: "7d", reason: "  wait for the window " })).toEqual({
      operation: "drift.snooze",
      input: { id: "item-1", duration: "7d", reason: "wait for the window" },
    });
    expect(actionRequest(item, { action: "resolve", reason: "intended" })).toEqual({
      operation: "drift.resolve",
      input: { id: "item-1", reason: "intended" },
    });
    expect(actionRequest(item, { action: "assign" })).toEqual({ operation: "drift.assign", input: { id: "item-1" } });
  });

  it("remediates the selection as one call, oldest first, only what can be remediated", () => {
    const items = [driftItem(), storage, second];
    const ids = remediableSelection(items, new Set(["item-3", "item-2", "item-1", "gone"]), writer);
    expect(ids).toEqual(["item-1", "item-3"]);
    expect(bulkRequest(ids)).toEqual({ operation: "drift.remediate", input: { ids: ["item-1", "item-3"] } });
    expect(bulkRefusal(ids, writer)).toBeNull();
    expect(bulkRefusal([], writer)).toBe("Select the items to remediate");
    expect(
      bulkRefusal(
        Array.from({ length: 51 }, (_, i) => `i${i}`),
        writer,
      ),
    ).toMatch(/at most 50/);
  });
});

describe("what the page says afterwards", () => {
  it("says what applied", () => {
    const one = [driftItem()];
    expect(appliedText({ action: "snooze", duration: "24h", reason: "later" }, one, { snoozed_until: "T" })).toBe(
      "Snoozed the module drift of instance web-1-a for 24 hours (until T).",
    );
    expect(appliedText({ action: "resolve", reason: "ok" }, one, {})).toBe(
      "Resolved the module drift of instance web-1-a.",
    );
    expect(appliedText({ action: "remediate" }, [driftItem(), second], { task_ids: ["a", "b"] })).toBe(
      "Remediation started for the 2 drift items: 2 tasks queued.",
    );
    expect(appliedText({ action: "remediate" }, one, { task_ids: [] })).toMatch(/no task needed/);
  });

  it("names the fields a refusal names, and which item a batch's ids.<i> is", () => {
    const problem = {
      status: 400,
      detail: "ids.1: storage assignment drift has no remediation this build can run",
      errors: [{ path: "ids.1", message: "the item has no remediation" }],
    };
    expect(problemFields(problem, ["item-1", "item-2"], [driftItem(), storage])).toEqual([
      {
        path: "ids.1",
        message: "the item has no remediation",
        item: "storage assignment drift of instance web-1-a",
      },
    ]);
    expect(problemFields({ status: 400, errors: [{ path: "reason", message: "Too small" }] })).toEqual([
      { path: "reason", message: "Too small" },
    ]);
    expect(problemFields({ status: 409 })).toEqual([]);
  });

  it("takes the answered items from remediate's batch or the single item", () => {
    expect(answeredItems({ items: [driftItem()], task_ids: [] })).toHaveLength(1);
    expect(answeredItems(driftItem())).toEqual([driftItem()]);
    expect(answeredItems(null)).toEqual([]);
  });
});
