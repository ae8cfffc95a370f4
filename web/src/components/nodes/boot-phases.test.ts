import { describe, expect, it } from "vitest";
import { BOOT_PHASES, type BootPhase, bootCauseOf, bootPhaseOf, marksBootUp, REPORTED_PHASES } from "./boot-phases";

const e = (kind: string, payload: Record<string, unknown> = {}) => ({ kind, payload });

// Every kind an instance's boot leaves behind, with the payloads its emitter writes.
const CASES: [string, Record<string, unknown>, BootPhase | null][] = [
  ["instance.created", { name: "web-1", provider_type: "local" }, "provisioning"],
  ["instance.simulated", { run_id: "r", index: 0 }, "provisioning"],
  ["instance.bootstrap_token_issued", { token_id: "t", purpose: "enrollment" }, "provisioning"],
  ["instance.provisioned", { cloud_instance_id: "c", provider_status: "running" }, "provisioning"],
  [
    "instance.transitioned",
    { from: "pending", to: "provisioning", event: "provision", reason: "provision_leased" },
    "provisioning",
  ],
  [
    "instance.transitioned",
    { from: "running", to: "rebooting", event: "reboot", reason: "kernel update" },
    "provisioning",
  ],
  ["instance.transitioned", { from: "stopped", to: "starting", event: "start", reason: null }, "provisioning"],
  ["instance.transitioned", { from: "starting", to: "running", event: "mark_running", reason: null }, "provisioning"],
  [
    "instance.transitioned",
    { from: "rebooting", to: "running", event: "mark_running", reason: "power_cycled" },
    "provisioning",
  ],
  [
    "instance.transitioned",
    { from: "provisioning", to: "error", event: "mark_errored", reason: "quota" },
    "provisioning",
  ],
  [
    "instance.transitioned",
    { from: "provisioning", to: "running", event: "mark_running", reason: "first_heartbeat" },
    "heartbeat",
  ],
  [
    "instance.transitioned",
    { from: "rebooting", to: "running", event: "mark_running", reason: "heartbeat" },
    "heartbeat",
  ],
  ["instance.transitioned", { from: "stopping", to: "error", event: "mark_errored", reason: "x" }, null],
  ["instance.transitioned", { from: "running", to: "stopping", event: "stop", reason: null }, null],
  ["instance.transitioned", { from: "terminating", to: "terminated", event: "mark_terminated" }, null],
  ["instance.enrolled", { certificate_id: "c", token_id: "t" }, "enrollment"],
  ["instance.enrollment_refused", { cause: "expired" }, "enrollment"],
  ["task.created", { command: "provision" }, "provisioning"],
  ["task.transitioned", { command: "provision", from: "running", to: "succeeded" }, "provisioning"],
  ["task.progress", { command: "provision", progress: 50 }, "provisioning"],
  ["task.created", { command: "power_cycle" }, "provisioning"],
  ["task.deferred", { command: "reboot", attempt: 1 }, "provisioning"],
  ["task.transitioned", { command: "reboot", from: "running", to: "succeeded", event: "complete" }, "heartbeat"],
  ["task.transitioned", { command: "upgrade_boot_image", from: "running", to: "succeeded" }, "heartbeat"],
  ["task.transitioned", { command: "reboot", from: "running", to: "failed" }, "provisioning"],
  ["task.created", { command: "sync_modules" }, null],
  ["task.transitioned", { command: "collect_facts", to: "succeeded" }, null],
  ["fleet.instance_silent", { status: "running", last_heartbeat_at: null }, "heartbeat"],
  ["pool.member_ready", { from: "warming", to: "ready" }, "heartbeat"],
  ["module.fetch_failed", {}, null],
  ["certificate.rotated", {}, null],
  ["fleet.module_drift", {}, null],
];

describe("bootPhaseOf", () => {
  it.each(CASES)("%s %j → %s", (kind, payload, phase) => {
    expect(bootPhaseOf(e(kind, payload))).toBe(phase);
  });

  it("maps emitted kinds into exactly the phases it declares as reported", () => {
    const reached = new Set(CASES.map(([k, p]) => bootPhaseOf(e(k, p))).filter((p) => p !== null));
    expect([...reached].sort()).toEqual([...REPORTED_PHASES].sort());
    expect(BOOT_PHASES.filter((p) => !REPORTED_PHASES.includes(p))).toEqual([
      "firmware",
      "bootloader",
      "kernel",
      "initramfs",
      "systemd",
    ]);
  });

  it("tolerates payloads without the expected fields", () => {
    expect(bootPhaseOf(e("instance.transitioned"))).toBeNull();
    expect(bootPhaseOf(e("task.created", { command: 7 }))).toBeNull();
  });
});

describe("bootCauseOf and marksBootUp", () => {
  it("names the requests that begin a boot, and nothing else", () => {
    expect(bootCauseOf(e("instance.created"))).toBe("created");
    expect(bootCauseOf(e("instance.simulated"))).toBe("created");
    expect(bootCauseOf(e("instance.transitioned", { event: "reboot" }))).toBe("reboot");
    expect(bootCauseOf(e("instance.transitioned", { event: "start" }))).toBe("start");
    expect(bootCauseOf(e("task.created", { command: "upgrade_boot_image" }))).toBe("image_upgrade");
    expect(bootCauseOf(e("instance.transitioned", { event: "provision" }))).toBeNull();
    expect(bootCauseOf(e("task.created", { command: "reboot" }))).toBeNull();
    expect(bootCauseOf(e("instance.enrolled"))).toBeNull();
  });

  it("a heartbeat or the provider powering the machine on marks a boot up; a silence does not", () => {
    expect(marksBootUp(e("fleet.instance_silent"))).toBe(false);
    expect(marksBootUp(e("pool.member_ready"))).toBe(true);
    expect(marksBootUp(e("instance.transitioned", { event: "mark_running", reason: "first_heartbeat" }))).toBe(true);
    expect(marksBootUp(e("instance.enrolled"))).toBe(false);
    expect(marksBootUp(e("instance.transitioned", { event: "mark_running", reason: "power_cycled" }))).toBe(true);
    expect(marksBootUp(e("instance.transitioned", { event: "reboot" }))).toBe(false);
  });
});
