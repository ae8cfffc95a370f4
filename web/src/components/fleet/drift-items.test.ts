import { describe, expect, it } from "vitest";
import { driftItem, I1, I2, M1, M2 } from "./drift-fixture";
import {
  askHref,
  askPrompt,
  changesDrift,
  type DriftItem,
  displayValue,
  driftListPath,
  driftNameRefs,
  emptyText,
  filtersToQuery,
  itemText,
  nextSnoozeEnd,
  noRemediationText,
  parseFilters,
  remediationTasks,
  remediationText,
} from "./drift-items";

const NOW = Date.parse("2025-03-10T12:00:00.000Z");

describe("filters in the query string", () => {
  it("defaults to active, all kinds, and ignores what drift.list would refuse", () => {
    expect(parseFilters({})).toEqual({ status: "active", kind: null });
    expect(parseFilters({ status: "later", kind: "fleet.silent" })).toEqual({ status: "active", kind: null });
    expect(parseFilters({ status: "auto_resolved", kind: "fleet.gitops_drift" })).toEqual({
      status: "auto_resolved",
      kind: "fleet.gitops_drift",
    });
  });

  it("leaves defaults out of the URL and asks drift.list for exactly the filters", () => {
    expect(filtersToQuery({ status: "active", kind: null })).toEqual({ status: null, kind: null });
    expect(filtersToQuery({ status: "snoozed", kind: "fleet.config_drift" })).toEqual({
      status: "snoozed",
      kind: "fleet.config_drift",
    });
    expect(driftListPath({ status: "active", kind: null }, 5)).toBe("/api/v1/fleet/drift?status=active&limit=5");
    expect(driftListPath({ status: "resolved", kind: "fleet.module_drift" }, 500)).toBe(
      "/api/v1/fleet/drift?status=resolved&limit=500&kind=fleet.module_drift",
    );
  });

  it("says what is empty for the filters", () => {
    expect(emptyText({ status: "active", kind: null })).toBe("No active drift items.");
    expect(emptyText({ status: "auto_resolved", kind: "fleet.package_drift" })).toBe(
      "No auto-resolved drift items of kind package drift.",
    );
  });
});

describe("what a row says", () => {
  it("names the item by kind and subject", () => {
    expect(itemText(driftItem())).toBe("module drift of instance web-1-a");
    expect(
      itemText(
        driftItem({ kind: "fleet.gitops_drift", subject: { type: "repository", id: "r1", name: "fleet-config" } }),
      ),
    ).toBe("GitOps drift of GitOps repository fleet-config");
    expect(itemText(driftItem({ subject: { type: "instance", id: I2, name: null } }))).toBe(
      `module drift of instance ${I2}`,
    );
  });

  it("tells how a remediation stands, and nothing when none started", () => {
    expect(remediationText(driftItem())).toBeNull();
    const r = (state: NonNullable<DriftItem["remediation"]>["state"], task_ids: string[] = []) =>
      remediationText(driftItem({ remediation: { state, task_ids, approval_request_id: null, started_at: null } }));
    expect(r("awaiting_approval")).toBe("remediation awaits approval");
    expect(r("running", ["t1", "t2"])).toBe("remediation running (2 tasks)");
    expect(r("running")).toBe("remediation under way");
    expect(r("failed", ["t1"])).toMatch(/failed; open again/);
    expect(r("ineffective", ["t1"])).toMatch(/did not clear it/);
  });

  it("says why there is no automatic remediation, by kind and status", () => {
    expect(noRemediationText(driftItem({ kind: "fleet.storage_assignment_drift" }))).toBe(
      "no automatic remediation: this build has none for storage assignment drift",
    );
    expect(noRemediationText(driftItem({ kind: "fleet.gitops_drift" }))).toMatch(/none for GitOps drift/);
    expect(noRemediationText(driftItem({ kind: "fleet.instance_state_drift" }))).toMatch(/does not name what to fix/);
    expect(noRemediationText(driftItem({ status: "auto_resolved" }))).toBe("nothing to remediate: auto-resolved");
  });

  it("shortens digests, revisions and instants, keeping the full value", () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    expect(displayValue(digest)).toEqual({ short: `sha256:${"ab".repeat(6)}…`, full: digest });
    expect(displayValue("applied since 2025-01-02T10:04:05.123Z").short).toBe("applied since 2025-01-02 10:04 UTC");
    expect(displayValue(`fleet.yaml at ${"c0ffee12".repeat(5)}`).short).toBe(`fleet.yaml at ${"c0ffee12c0ff"}…`);
    expect(displayValue("not running")).toEqual({ short: "not running", full: "not running" });
  });

  it("looks up the modules of the pairs shown, not the subjects (they come named)", () => {
    const two = driftItem({
      comparisons: [
        { label: "module", module_id: M1, expected: "a", actual: "b" },
        { label: "module", module_id: M2, expected: "a", actual: "b" },
        { label: "status", expected: "running", actual: "stopped" },
      ],
    });
    expect(driftNameRefs([two], 1)).toEqual([{ type: "module", id: M1 }]);
    expect(driftNameRefs([two], 6)).toEqual([
      { type: "module", id: M1 },
      { type: "module", id: M2 },
    ]);
  });

  it("asks the concierge about the item with the question in the query string", () => {
    expect(askPrompt(driftItem())).toBe(`why does instance web-1-a (${I1}) have module drift?`);
    expect(askHref(driftItem())).toBe(
      `/?q=${encodeURIComponent(`why does instance web-1-a (${I1}) have module drift?`)}`,
    );
    expect(askPrompt(driftItem({ subject: { type: "condition", id: "fp:1", name: null } }))).toBe(
      "what is the module drift condition fp:1?",
    );
  });
});

describe("live refresh", () => {
  const tasks = new Set(["t-1"]);
  it("re-reads on detections, decisions, drift clearings, approvals and the remediation's tasks", () => {
    expect(changesDrift({ kind: "fleet.config_drift" }, tasks)).toBe(true);
    expect(changesDrift({ kind: "fleet.drift_snoozed" }, tasks)).toBe(true);
    expect(changesDrift({ kind: "fleet.drift_remediation_started" }, tasks)).toBe(true);
    expect(changesDrift({ kind: "autonomy.signal_cleared", payload: { kind: "fleet.module_drift" } }, tasks)).toBe(
      true,
    );
    expect(changesDrift({ kind: "autonomy.approval_rejected" }, tasks)).toBe(true);
    expect(changesDrift({ kind: "task.transitioned", task_id: "t-1" }, tasks)).toBe(true);
  });

  it("ignores other events", () => {
    expect(changesDrift({ kind: "autonomy.signal_cleared", payload: { kind: "fleet.instance_silent" } }, tasks)).toBe(
      false,
    );
    expect(changesDrift({ kind: "task.transitioned", task_id: "t-2" }, tasks)).toBe(false);
    expect(changesDrift({ kind: "fleet.instance_silent" }, tasks)).toBe(false);
    expect(changesDrift({ kind: "instance.transitioned" }, tasks)).toBe(false);
  });

  it("tracks the shown remediations' tasks and the next snooze end", () => {
    const running = driftItem({
      status: "remediating",
      remediation: { state: "running", task_ids: ["a", "b"], approval_request_id: null, started_at: null },
    });
    expect([...remediationTasks([driftItem(), running])]).toEqual(["a", "b"]);
    const snoozed = (iso: string) => driftItem({ status: "snoozed", snoozed_until: iso });
    expect(nextSnoozeEnd([driftItem()], NOW)).toBeNull();
    expect(
      nextSnoozeEnd(
        [snoozed("2025-03-10T15:00:00.000Z"), snoozed("2025-03-10T13:00:00.000Z"), snoozed("2025-03-10T11:00:00.000Z")],
        NOW,
      ),
    ).toBe(Date.parse("2025-03-10T13:00:00.000Z"));
  });
});
