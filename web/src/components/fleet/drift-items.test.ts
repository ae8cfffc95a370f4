import { describe, expect, it } from "vitest";
import {
  askHref,
  askPrompt,
  CLEARED_KIND,
  type DriftKind,
  type DriftReads,
  deriveDriftItems,
  driftComparisons,
  driftInput,
} from "./drift-items";
import type { EventWindow } from "./event-window";
import type { FleetEvent } from "./types";

const NOW = Date.parse("2025-03-10T12:00:00.000Z");
const H = 3600_000;
const I1 = "0190a000-0000-7000-8000-000000000001";
const I2 = "0190a000-0000-7000-8000-000000000002";
const N1 = "0190b000-0000-7000-8000-000000000001";
const M1 = "0190c000-0000-7000-8000-000000000001";
const M2 = "0190c000-0000-7000-8000-000000000002";

let n = 0;
/** An event recorded `hoursAgo` before NOW; seq follows time so the log's order is the clock's. */
const ev = (hoursAgo: number, over: Partial<FleetEvent>): FleetEvent => {
  const at = new Date(NOW - hoursAgo * H).toISOString();
  return {
    id: `00000000-0000-7000-8000-${String(++n).padStart(12, "0")}`,
    seq: Math.round((NOW - hoursAgo * H) / 1000),
    kind: "fleet.module_drift",
    severity: "medium",
    payload: {},
    correlation_id: "tick:0123456789abcdef",
    fingerprint: null,
    source: "sensor:module_drift",
    actor_type: "agent",
    actor_id: "fleet-autonomy",
    subject_type: null,
    subject_id: null,
    node_id: N1,
    node_instance_id: null,
    node_module_id: null,
    module_version_id: null,
    task_id: null,
    cve_id: null,
    certificate_id: null,
    instance_pool_id: null,
    emitted_at: at,
    created_at: at,
    ...over,
  };
};

const moduleDrift = (hoursAgo: number, instance = I1) =>
  ev(hoursAgo, {
    kind: "fleet.module_drift",
    fingerprint: `module_drift:${instance}`,
    node_instance_id: instance,
    payload: {
      instance_id: instance,
      node_id: N1,
      missing_count: 1,
      extra_count: 0,
      mismatched_count: 1,
      missing: [{ module_id: M2, expected_digest: "sha256:bbbb" }],
      extra: [],
      mismatched: [{ module_id: M1, expected_digest: "sha256:aaaa", running_digest: "sha256:cccc" }],
      _sensor: "module_drift",
    },
  });

const cleared = (hoursAgo: number, kind: string, fingerprint: string) =>
  ev(hoursAgo, {
    kind: CLEARED_KIND,
    severity: "low",
    source: "engine",
    fingerprint,
    payload: { kind, fingerprint, sensor: "x", episode: 1, first_seen_at: "2025-03-01T00:00:00.000Z", tick_count: 3 },
  });

const since = new Date(NOW - 7 * 24 * H).toISOString();
const win = (events: FleetEvent[], over: Partial<EventWindow> = {}): EventWindow => ({
  events: [...events].sort((a, b) => b.seq - a.seq),
  truncated: false,
  from: since,
  ...over,
});

describe("deriveDriftItems", () => {
  it("makes one open item per (instance, kind) with the sensor's expected and actual digests", () => {
    const items = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(30), moduleDrift(20), moduleDrift(2)]) },
      clearings: win([]),
      now: NOW,
    });
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item.subject).toEqual({ type: "instance", id: I1, name: null });
    expect(item.status).toBe("open");
    expect(item.firstDetectedAt).toBe(new Date(NOW - 30 * H).toISOString());
    expect(item.lastSeenAt).toBe(new Date(NOW - 2 * H).toISOString());
    expect(item.ageAtLeast).toBe(false);
    expect(item.detections).toBe(3);
    expect(item.summary).toBe("1 missing · 0 extra · 1 mismatched");
    expect(item.comparisons).toEqual([
      { label: "module", moduleId: M1, expected: "sha256:aaaa", actual: "sha256:cccc" },
      { label: "module", moduleId: M2, expected: "sha256:bbbb", actual: "not running" },
    ]);
  });

  it("auto-resolves an item whose condition a later tick cleared, and reopens it on a new detection", () => {
    const fp = `module_drift:${I1}`;
    const resolved = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(30), moduleDrift(20)]) },
      clearings: win([cleared(19, "fleet.module_drift", fp)]),
      now: NOW,
    });
    expect(resolved.map((i) => [i.status, i.clearedAt])).toEqual([
      ["auto_resolved", new Date(NOW - 19 * H).toISOString()],
    ]);

    const reopened = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(30), moduleDrift(20), moduleDrift(5)]) },
      clearings: win([cleared(19, "fleet.module_drift", fp)]),
      now: NOW,
    });
    expect(reopened[0]!.status).toBe("open");
    // The age counts from the new episode, which follows a clearing we read: not a lower bound.
    expect(reopened[0]!.firstDetectedAt).toBe(new Date(NOW - 5 * H).toISOString());
    expect(reopened[0]!.ageAtLeast).toBe(false);
  });

  it("ignores clearings of other kinds, other fingerprints and non-drift sensors", () => {
    const items = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(10)]) },
      clearings: win([
        cleared(5, "fleet.config_drift", `module_drift:${I1}`),
        cleared(5, "fleet.module_drift", `module_drift:${I2}`),
        cleared(5, "fleet.instance_silent", `instance_silent:${I1}`),
      ]),
      now: NOW,
    });
    expect(items[0]!.status).toBe("open");
  });

  it("says unknown, not open, when the clearings could not be read or do not reach back far enough", () => {
    const failed = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(10)]) },
      clearings: null,
      now: NOW,
    });
    expect(failed[0]!.status).toBe("unknown");
    const short = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(10)]) },
      clearings: win([], { truncated: true, from: new Date(NOW - 3 * H).toISOString() }),
      now: NOW,
    });
    expect(short[0]!.status).toBe("unknown");
  });

  it("marks the age as a lower bound when the first detection is where the read log starts", () => {
    const truncatedFrom = new Date(NOW - 40 * H).toISOString();
    const items = deriveDriftItems({
      kinds: {
        "fleet.module_drift": win([moduleDrift(40), moduleDrift(1)], { truncated: true, from: truncatedFrom }),
      },
      clearings: win([]),
      now: NOW,
    });
    expect(items[0]!.ageAtLeast).toBe(true);
    // At the very start of the 7-day window, too: the drift may be older than the window.
    const atWindowStart = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(7 * 24 - 0.5)]) },
      clearings: win([]),
      now: NOW,
    });
    expect(atWindowStart[0]!.ageAtLeast).toBe(true);
  });

  it("drops detections older than 7 days and orders items oldest first", () => {
    const items = deriveDriftItems({
      kinds: {
        "fleet.module_drift": win([moduleDrift(8 * 24, I2), moduleDrift(3, I1)]),
        "fleet.instance_state_drift": win([
          ev(50, {
            kind: "fleet.instance_state_drift",
            severity: "high",
            fingerprint: `instance_state_drift:${I2}:stopped`,
            payload: {
              instance_id: I2,
              node_id: N1,
              expected_status: "running",
              actual_status: "stopped",
              cloud_instance_id: "i-1",
              provider_type: "aws",
            },
          }),
        ]),
      },
      clearings: win([]),
      now: NOW,
    });
    expect(items.map((i) => [i.kind, i.subject.id])).toEqual([
      ["fleet.instance_state_drift", I2],
      ["fleet.module_drift", I1],
    ]);
    expect(items[0]!.comparisons).toEqual([{ label: "status", expected: "running", actual: "stopped" }]);
    expect(items[0]!.severity).toBe("high");
  });

  it("keeps an instance-state item open while one of its conditions is, described by what is still drifting", () => {
    const state = (hoursAgo: number, actual: string) =>
      ev(hoursAgo, {
        kind: "fleet.instance_state_drift",
        fingerprint: `instance_state_drift:${I1}:${actual}`,
        payload: {
          instance_id: I1,
          node_id: N1,
          expected_status: "running",
          actual_status: actual,
          provider_type: "aws",
        },
      });
    const items = deriveDriftItems({
      kinds: { "fleet.instance_state_drift": win([state(10, "stopped"), state(4, "terminated")]) },
      clearings: win([cleared(5, "fleet.instance_state_drift", `instance_state_drift:${I1}:stopped`)]),
      now: NOW,
    });
    expect(items).toHaveLength(1);
    expect(items[0]!.status).toBe("open");
    expect(items[0]!.firstDetectedAt).toBe(new Date(NOW - 4 * H).toISOString());
    expect(items[0]!.comparisons.map((c) => c.actual)).toEqual(["terminated"]);
  });

  it("files config drift under each running instance of the node", () => {
    const items = deriveDriftItems({
      kinds: {
        "fleet.config_drift": win([
          ev(6, {
            kind: "fleet.config_drift",
            fingerprint: "config_drift:0190d000-0000-7000-8000-000000000001",
            node_module_id: M1,
            payload: {
              node_id: N1,
              module_id: M1,
              assignment_id: "0190d000-0000-7000-8000-000000000001",
              instance_ids: [I1, I2],
              changed_at: "2025-03-10T05:00:00.000Z",
              last_apply_at: null,
            },
          }),
        ]),
      },
      clearings: win([]),
      now: NOW,
    });
    expect(items.map((i) => i.subject.id)).toEqual([I1, I2]);
    expect(items[0]!.comparisons).toEqual([
      {
        label: "config of module",
        moduleId: M1,
        expected: "applied since 2025-03-10 05:00 UTC",
        actual: "never applied",
      },
    ]);
  });

  it("files package drift under its module and GitOps drift under its repository", () => {
    const items = deriveDriftItems({
      kinds: {
        "fleet.package_drift": win([
          ev(3, {
            kind: "fleet.package_drift",
            fingerprint: "pkg_drift:l1:1.2.4",
            node_module_id: M1,
            payload: {
              package_module_link_id: "l1",
              node_module_id: M1,
              package_name: "openssl",
              current_version: "1.2.3",
              upstream_version: "1.2.4",
              architecture: "amd64",
              cve_flagged: true,
            },
          }),
        ]),
        "fleet.gitops_drift": win([
          ev(2, {
            kind: "fleet.gitops_drift",
            fingerprint: "gitops_drift:r1:abc",
            payload: {
              repository_id: "0190e000-0000-7000-8000-000000000001",
              repository_name: "fleet-config",
              branch: "main",
              synced_revision: "abcdef0123456789",
              diff_count: 3,
              diff_summary: { create: 1, update: 2, destroy: 0 },
              pending_proposal_count: 1,
            },
          }),
        ]),
      },
      clearings: win([]),
      now: NOW,
    });
    const pkg = items.find((i) => i.kind === "fleet.package_drift")!;
    expect(pkg.subject).toEqual({ type: "module", id: M1, name: null });
    expect(pkg.comparisons).toEqual([
      { label: "openssl (amd64)", expected: "1.2.4 (newest upstream)", actual: "1.2.3" },
    ]);
    expect(pkg.summary).toBe("an open CVE exposure names this package");
    const git = items.find((i) => i.kind === "fleet.gitops_drift")!;
    expect(git.subject.name).toBe("fleet-config");
    expect(git.comparisons[0]!.actual).toBe("3 changes (1 create, 2 update, 0 destroy)");
    expect(askPrompt(git)).toBe("why does GitOps repository fleet-config have GitOps drift?");
  });

  it("links Ask the concierge with the question in the query string", () => {
    const [item] = deriveDriftItems({
      kinds: { "fleet.module_drift": win([moduleDrift(1)]) },
      clearings: win([]),
      now: NOW,
    });
    expect(askHref(item!)).toBe(`/?q=${encodeURIComponent(`why does instance ${I1} have module drift?`)}`);
    expect(askPrompt(item!, "web-1-a")).toBe(`why does instance web-1-a (${I1}) have module drift?`);
  });
});

describe("driftComparisons", () => {
  it("counts the digests the sensor did not list", () => {
    const d = driftComparisons("fleet.module_drift", {
      missing_count: 45,
      extra_count: 0,
      mismatched_count: 0,
      missing: Array.from({ length: 40 }, () => ({ module_id: M1, expected_digest: "sha256:aa" })),
      extra: [],
      mismatched: [],
    });
    expect(d.comparisons).toHaveLength(40);
    expect(d.unlisted).toBe(5);
  });

  it("reads a storage assignment stuck mid-reconcile", () => {
    const d = driftComparisons("fleet.storage_assignment_drift", {
      storage_assignment_id: "0190f000-0000-7000-8000-000000000001",
      node_instance_id: I1,
      status: "failed",
      last_status_at: null,
    });
    expect(d).toEqual({
      summary: "reconciler last reported never",
      comparisons: [{ label: "storage assignment 0190f000", expected: "ready", actual: "failed" }],
      unlisted: 0,
    });
  });
});

describe("driftInput", () => {
  it("leaves failed kinds out and turns failed clearings into null", () => {
    const fail = { ok: false as const, status: 500, problem: { status: 500 } };
    const ok = { ok: true as const, window: win([]) };
    const kinds = Object.fromEntries(
      (
        [
          "fleet.module_drift",
          "fleet.config_drift",
          "fleet.package_drift",
          "fleet.instance_state_drift",
          "fleet.storage_assignment_drift",
          "fleet.gitops_drift",
        ] as DriftKind[]
      ).map((k) => [k, k === "fleet.config_drift" ? fail : ok]),
    ) as DriftReads["kinds"];
    const input = driftInput({ since, kinds, clearings: fail }, NOW);
    expect(Object.keys(input.kinds)).not.toContain("fleet.config_drift");
    expect(Object.keys(input.kinds)).toHaveLength(5);
    expect(input.clearings).toBeNull();
  });
});
