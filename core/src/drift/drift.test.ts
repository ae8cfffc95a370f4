// The drift queue's pure rules as tables: item ids round-trip and refuse anything else; each kind's
// payload becomes its subject, instances and expected-vs-actual pairs; the status follows the
// condition, the overlay of its episode, the clock and the remediation; each kind's remediation plan.
import { describe, expect, it } from "vitest";
import { describeDrift } from "./describe.ts";
import { driftItemId, parseDriftItemId } from "./item-id.ts";
import { DRIFT_KINDS, driftCategory } from "./kinds.ts";
import { remediationLabel, remediationPlan, suggestRemediation } from "./remediation.ts";
import { driftStatus, remediationState, type StatusInput } from "./status.ts";

const I1 = "0190a0a0-0000-7000-8000-000000000001";
const I2 = "0190a0a0-0000-7000-8000-000000000002";
const M1 = "0190a0a0-0000-7000-8000-0000000000a1";
const now = new Date("2026-12-02T12:00:00Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe("drift item ids", () => {
  it("round-trip every kind and are URL-safe", () => {
    for (const kind of DRIFT_KINDS) {
      const id = driftItemId({ kind, fingerprint: `x:${I1}:v1.2+b~3` });
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(parseDriftItemId(id)).toEqual({ kind, fingerprint: `x:${I1}:v1.2+b~3` });
    }
  });

  it.each([
    ["not base64url", "a/b"],
    ["empty", ""],
    ["no separator", Buffer.from("fleet.module_drift").toString("base64url")],
    ["another kind", Buffer.from("fleet.instance_silent fp").toString("base64url")],
    ["whitespace in the fingerprint", Buffer.from("fleet.module_drift a b").toString("base64url")],
    ["padded", `${driftItemId({ kind: "fleet.module_drift", fingerprint: "ab" })}==`],
  ])("refuse %s", (_label, id) => {
    expect(parseDriftItemId(id)).toBeNull();
  });

  it("binds each kind to the engine's category", () => {
    expect(DRIFT_KINDS.map(driftCategory)).toEqual([
      "module.sync",
      "config.apply",
      "package.repository_sync",
      "instance.reconcile_state",
      "storage.reconcile",
      "gitops.apply_approved",
    ]);
  });
});

describe("describeDrift", () => {
  it("lists module drift's mismatched, missing and extra modules and counts the unlisted", () => {
    const d = describeDrift("fleet.module_drift", `module_drift:${I1}`, {
      instance_id: I1,
      node_id: "n1",
      missing_count: 2,
      extra_count: 1,
      mismatched_count: 1,
      missing: [{ module_id: M1, expected_digest: "sha256:aa" }],
      extra: [{ module_id: "m3", running_digest: "sha256:cc" }],
      mismatched: [{ module_id: "m2", expected_digest: "sha256:bb", running_digest: "sha256:b0" }],
    });
    expect(d).toMatchObject({
      subject: { type: "instance", id: I1 },
      instance_id: I1,
      instance_ids: [I1],
      node_id: "n1",
      summary: "2 missing · 1 extra · 1 mismatched",
      unlisted: 1,
    });
    expect(d.comparisons).toEqual([
      { label: "module", module_id: "m2", expected: "sha256:bb", actual: "sha256:b0" },
      { label: "module", module_id: M1, expected: "sha256:aa", actual: "not running" },
      { label: "module", module_id: "m3", expected: "not assigned", actual: "sha256:cc" },
    ]);
  });

  it.each([
    [
      "config drift: the node's instances, first as subject",
      "fleet.config_drift",
      {
        node_id: "n1",
        module_id: "m1",
        instance_ids: [I2, I1],
        changed_at: "2026-12-01T00:00:00.000Z",
        last_apply_at: null,
      },
      { type: "instance", id: I1 },
      [I1, I2],
      { label: "config of module", module_id: "m1", actual: "never applied" },
    ],
    [
      "package drift: the module",
      "fleet.package_drift",
      {
        node_module_id: "m1",
        package_name: "nginx",
        architecture: "amd64",
        current_version: "1.0",
        upstream_version: "1.1",
      },
      { type: "module", id: "m1" },
      [],
      { label: "nginx (amd64)", expected: "1.1 (newest upstream)", actual: "1.0", module_id: "m1" },
    ],
    [
      "instance state drift",
      "fleet.instance_state_drift",
      { instance_id: I1, expected_status: "running", actual_status: "stopped", provider_type: "aws" },
      { type: "instance", id: I1 },
      [I1],
      { label: "status", expected: "running", actual: "stopped" },
    ],
    [
      "storage drift: the assignment's instance",
      "fleet.storage_assignment_drift",
      { storage_assignment_id: "sa1", node_instance_id: I2, status: "failed", last_status_at: null },
      { type: "instance", id: I2 },
      [I2],
      { label: "storage assignment sa1", expected: "ready", actual: "failed" },
    ],
    [
      "GitOps drift: the repository, named",
      "fleet.gitops_drift",
      {
        repository_id: "r1",
        repository_name: "fleet",
        branch: "main",
        synced_revision: "abc",
        diff_count: 3,
        diff_summary: { create: 1, update: 2, destroy: 0 },
      },
      { type: "repository", id: "r1", name: "fleet" },
      [],
      { label: "fleet @ main", actual: "3 changes (1 create, 2 update, 0 destroy)" },
    ],
  ] as const)("%s", (_label, kind, payload, subject, instances, comparison) => {
    const d = describeDrift(kind, "fp:x", payload);
    expect(d.subject).toMatchObject(subject);
    expect(d.instance_ids).toEqual(instances);
    expect(d.comparisons[0]).toMatchObject(comparison);
  });

  it("reads the subject from the fingerprint when the detection aged out, else names the condition", () => {
    expect(describeDrift("fleet.module_drift", `module_drift:${I1}`, null)).toMatchObject({
      subject: { type: "instance", id: I1 },
      instance_ids: [I1],
      comparisons: [],
    });
    expect(describeDrift("fleet.config_drift", "config_drift:a1", null).subject).toEqual({
      type: "condition",
      id: "config_drift:a1",
      name: null,
    });
  });
});

const base = (over: Partial<StatusInput> = {}): StatusInput => ({
  now,
  cleared_at: null,
  last_seen_at: ago(30),
  overlay: null,
  awaiting_approval: false,
  tasks: { found: 0, failed: 0, succeeded: 0, last_completed_at: null },
  settle_seconds: 90,
  ...over,
});
const overlay = (o: Partial<NonNullable<StatusInput["overlay"]>>): StatusInput["overlay"] => ({
  status: null,
  snoozed_until: null,
  remediated_at: null,
  remediation_count: 0,
  ...o,
});

describe("driftStatus", () => {
  it.each<[string, Partial<StatusInput>, string]>([
    ["no overlay: open", {}, "open"],
    ["cleared: auto_resolved", { cleared_at: ago(5) }, "auto_resolved"],
    [
      "resolved by hand wins over a clearing",
      { cleared_at: ago(5), overlay: overlay({ status: "resolved" }) },
      "resolved",
    ],
    ["snoozed until later", { overlay: overlay({ status: "snoozed", snoozed_until: ago(-60) }) }, "snoozed"],
    ["snooze over, still drifting: open", { overlay: overlay({ status: "snoozed", snoozed_until: ago(1) }) }, "open"],
    [
      "snoozed but cleared: auto_resolved",
      { cleared_at: ago(5), overlay: overlay({ status: "snoozed", snoozed_until: ago(-60) }) },
      "auto_resolved",
    ],
    ["awaiting approval: remediating", { awaiting_approval: true }, "remediating"],
    [
      "tasks running: remediating",
      {
        overlay: overlay({ status: "remediating", remediated_at: ago(20), remediation_count: 1 }),
        tasks: { found: 1, failed: 0, succeeded: 0, last_completed_at: null },
      },
      "remediating",
    ],
    [
      "a task failed: open",
      {
        overlay: overlay({ status: "remediating", remediated_at: ago(20), remediation_count: 1 }),
        tasks: { found: 2, failed: 1, succeeded: 1, last_completed_at: ago(10) },
      },
      "open",
    ],
    [
      "tasks done, still seen after the settle window: open",
      {
        last_seen_at: ago(5),
        overlay: overlay({ status: "remediating", remediated_at: ago(300), remediation_count: 1 }),
        tasks: { found: 1, failed: 0, succeeded: 1, last_completed_at: ago(200) },
      },
      "open",
    ],
    [
      "tasks done, within the settle window: remediating",
      {
        last_seen_at: ago(5),
        overlay: overlay({ status: "remediating", remediated_at: ago(100), remediation_count: 1 }),
        tasks: { found: 1, failed: 0, succeeded: 1, last_completed_at: ago(60) },
      },
      "remediating",
    ],
    [
      "a state reconcile (no tasks) still seen after settling: open",
      {
        last_seen_at: ago(5),
        overlay: overlay({ status: "remediating", remediated_at: ago(200), remediation_count: 1 }),
      },
      "open",
    ],
  ])("%s", (_label, over, status) => {
    expect(driftStatus(base(over))).toBe(status);
  });

  it("names the remediation's state", () => {
    expect(remediationState(base())).toBeNull();
    expect(remediationState(base({ awaiting_approval: true }))).toBe("awaiting_approval");
    const done = base({
      cleared_at: ago(1),
      overlay: overlay({ status: "remediating", remediated_at: ago(300), remediation_count: 1 }),
      tasks: { found: 1, failed: 0, succeeded: 1, last_completed_at: ago(200) },
    });
    expect(remediationState(done)).toBe("completed");
  });
});

describe("remediation plans", () => {
  const plan = (kind: (typeof DRIFT_KINDS)[number], payload: Record<string, unknown>) =>
    remediationPlan(kind, payload, describeDrift(kind, "fp:x", payload));

  it("syncs a drifted instance's modules, applies config on each instance, reconciles a provider state", () => {
    expect(plan("fleet.module_drift", { instance_id: I1 })).toEqual({
      type: "tasks",
      command: "sync_modules",
      payload: { force_resync: true },
      instance_ids: [I1],
    });
    expect(plan("fleet.config_drift", { instance_ids: [I2, I1] })).toMatchObject({
      command: "apply_config",
      instance_ids: [I1, I2],
    });
    expect(plan("fleet.instance_state_drift", { instance_id: I1, actual_status: "terminated" })).toEqual({
      type: "instance_state",
      instance_id: I1,
      to_status: "terminated",
      event: "mark_terminated",
    });
  });

  it("has none for kinds without an executor or payloads without a target", () => {
    expect(plan("fleet.storage_assignment_drift", { node_instance_id: I1 })).toBeNull();
    expect(plan("fleet.gitops_drift", { repository_id: "r1" })).toBeNull();
    expect(plan("fleet.package_drift", { node_module_id: "m1" })).toBeNull();
    expect(plan("fleet.instance_state_drift", { instance_id: I1, actual_status: "rebooting" })).toBeNull();
    expect(plan("fleet.config_drift", { instance_ids: [] })).toBeNull();
  });

  it("suggests drift.remediate of the item, labelled, under its category", () => {
    const p = plan("fleet.config_drift", { instance_ids: [I1, I2] })!;
    expect(suggestRemediation("id1", "fleet.config_drift", p, null)).toEqual({
      operation: "drift.remediate",
      input: { ids: ["id1"] },
      label: "Apply the changed config on 2 running instances (apply_config tasks)",
      action_category: "config.apply",
    });
    expect(remediationLabel(plan("fleet.module_drift", { instance_id: I1 })!, "edge-1")).toBe(
      "Sync modules on instance edge-1 (a sync_modules task)",
    );
    expect(suggestRemediation("id2", "fleet.gitops_drift", null, null)).toBeNull();
  });
});
