import { describe, expect, it } from "vitest";
import type { FleetEvent } from "../fleet/types";
import { bootEventsOf, bootSessions, comparePhases, phaseLadder } from "./boot-sessions";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
let n = 0;
/** An event `sec` seconds after T0, shaped as event.list returns it. */
const ev = (sec: number, kind: string, payload: Record<string, unknown> = {}): FleetEvent => {
  const at = new Date(T0 + sec * 1000).toISOString();
  n++;
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    seq: n,
    kind,
    severity: "low",
    payload,
    correlation_id: null,
    fingerprint: null,
    source: "api",
    actor_type: "user",
    actor_id: null,
    subject_type: "node_instance",
    subject_id: null,
    node_id: null,
    node_instance_id: "i",
    node_module_id: null,
    module_version_id: null,
    task_id: null,
    cve_id: null,
    certificate_id: null,
    instance_pool_id: null,
    emitted_at: at,
    created_at: at,
  };
};

// A first boot (provision → enroll → first heartbeat), then a graceful reboot settled by a heartbeat.
const at = (sec: number) => new Date(T0 + sec * 1000).toISOString();
const none = { bootId: null, lastHeartbeatAt: null };

const firstBoot = () => [
  ev(0, "instance.created", { name: "web-1" }),
  ev(0.1, "task.created", { command: "provision" }),
  ev(1, "instance.transitioned", {
    from: "pending",
    to: "provisioning",
    event: "provision",
    reason: "provision_leased",
  }),
  ev(2, "instance.bootstrap_token_issued", { token_id: "t" }),
  ev(5, "instance.provisioned", { cloud_instance_id: "c" }),
  ev(5.2, "task.transitioned", { command: "provision", from: "running", to: "succeeded" }),
  ev(30, "instance.enrolled", { certificate_id: "c" }),
  ev(31, "instance.transitioned", {
    from: "provisioning",
    to: "running",
    event: "mark_running",
    reason: "first_heartbeat",
  }),
];
const reboot = () => [
  ev(100, "instance.transitioned", { from: "running", to: "rebooting", event: "reboot", reason: "kernel update" }),
  ev(100.1, "task.created", { command: "reboot" }),
  ev(101, "task.deferred", { command: "reboot" }),
  ev(145, "instance.transitioned", { from: "rebooting", to: "running", event: "mark_running", reason: "heartbeat" }),
  ev(145, "task.transitioned", { command: "reboot", from: "running", to: "succeeded" }),
];

describe("bootSessions", () => {
  it("cuts at the requests that begin a boot, newest first, and keeps only boot events", () => {
    const noise = [ev(50, "task.created", { command: "sync_modules" }), ev(60, "module.fetch_failed")];
    const sessions = bootSessions([...reboot(), ...noise, ...firstBoot()], {
      bootId: "boot-2",
      lastHeartbeatAt: at(200),
    });
    expect(sessions.map((s) => [s.cause, s.reason, s.events.length])).toEqual([
      ["reboot", "kernel update", 5],
      ["created", null, 8],
    ]);
    expect(sessions[0]?.bootId).toBe("boot-2");
    expect(sessions[1]?.bootId).toBeNull();
    expect(sessions[1]?.endedAt).toBe(T0 + 31_000);
  });

  it("a reboot still waiting for its heartbeat does not claim the reported boot id", () => {
    // The old boot keeps beating until the agent reboots it.
    const sessions = bootSessions([...firstBoot(), ...reboot().slice(0, 3)], {
      bootId: "boot-1",
      lastHeartbeatAt: at(102),
    });
    expect(sessions[0]?.cause).toBe("reboot");
    expect(sessions[0]?.bootId).toBeNull();
    expect(sessions[1]?.bootId).toBeNull();
  });

  it("a hard reboot's boot id is the reported one once a beat follows the provider's power on", () => {
    const hard = [
      ev(100, "instance.transitioned", { from: "running", to: "rebooting", event: "reboot", reason: "hung" }),
      ev(100.1, "task.created", { command: "power_cycle" }),
      ev(104, "instance.transitioned", {
        from: "rebooting",
        to: "running",
        event: "mark_running",
        reason: "power_cycled",
      }),
    ];
    const before = bootSessions([...firstBoot(), ...hard], { bootId: "boot-1", lastHeartbeatAt: at(99) });
    expect(before[0]?.bootId).toBeNull();
    const after = bootSessions([...firstBoot(), ...hard], { bootId: "boot-2", lastHeartbeatAt: at(110) });
    expect(after[0]?.bootId).toBe("boot-2");
  });

  it("events before the first loaded boot request form a session with no cause", () => {
    const partial = firstBoot().slice(3);
    const [s] = bootSessions(partial, none);
    expect(s?.cause).toBeNull();
    expect(s?.key).toBe(partial[0]?.id);
    expect(s?.events).toHaveLength(5);
  });

  it("orders by time then commit order and drops duplicates", () => {
    const a = ev(5, "instance.provisioned");
    const b = ev(5, "instance.transitioned", { event: "mark_running", reason: "first_heartbeat" });
    const c = ev(1, "instance.created");
    expect(bootEventsOf([b, a, c, a]).map((x) => x.event.id)).toEqual([c.id, a.id, b.id]);
  });

  it("is empty without boot events", () => {
    expect(bootSessions([ev(1, "module.fetch_failed")], { bootId: "boot-1", lastHeartbeatAt: at(1) })).toEqual([]);
  });
});

describe("phaseLadder", () => {
  it("gives each phase its first and last time, duration and count, or no events", () => {
    const [s] = bootSessions(firstBoot(), none);
    const rows = phaseLadder(s!);
    expect(rows.map((r) => [r.phase, r.count, r.durationMs, r.reachedMs, r.reported])).toEqual([
      ["provisioning", 6, 5200, 0, true],
      ["firmware", 0, null, null, false],
      ["bootloader", 0, null, null, false],
      ["kernel", 0, null, null, false],
      ["initramfs", 0, null, null, false],
      ["systemd", 0, null, null, false],
      ["enrollment", 1, 0, 30_000, true],
      ["heartbeat", 1, 0, 31_000, true],
    ]);
    expect(rows[0]?.first?.event.kind).toBe("instance.created");
    expect(rows[0]?.last?.event.kind).toBe("task.transitioned");
  });
});

describe("comparePhases", () => {
  it("gives per-phase duration and reach deltas, none where a boot lacks the phase", () => {
    const [current, previous] = bootSessions([...firstBoot(), ...reboot()], none);
    const { rows, total } = comparePhases(current!, previous!);
    const by = Object.fromEntries(rows.map((r) => [r.phase, r]));
    // The reboot's provisioning ran 100 s → 101 s; the first boot's 0 s → 5.2 s.
    expect(by.provisioning).toMatchObject({ current: 1000, previous: 5200, deltaMs: -4200, reachedDeltaMs: 0 });
    expect(by.enrollment).toMatchObject({ current: null, previous: 0, deltaMs: null, reachedDeltaMs: null });
    expect(by.heartbeat).toMatchObject({
      current: 0,
      previous: 0,
      deltaMs: 0,
      reachedCurrent: 45_000,
      reachedDeltaMs: 14_000,
    });
    expect(by.kernel).toMatchObject({ deltaMs: null });
    expect(total).toEqual({ current: 45_000, previous: 31_000, deltaMs: 14_000 });
  });
});
