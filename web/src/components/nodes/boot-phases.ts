// Which boot phase (spec/ui.md §7 "Boot replay") a fleet event belongs to, and which events start a
// new boot. Only kinds Nodepilot really emits are mapped (core/src/instances, core/src/enrollment,
// core/src/tasks, core/src/pools, sensors/src/instance-silent.ts); everything else is not part of a boot.
//
// Provisioning gets a row of its own before firmware rather than being folded into a spec phase:
// creating the machine, the provider powering it on and issuing its bootstrap token all happen
// before the machine runs any firmware, and folding them into "firmware" would claim firmware events
// that nothing reports. No component reports firmware, bootloader, kernel, initramfs or systemd
// today (the agent only speaks once it runs), so those rows stay empty rather than being guessed.
import type { FleetEvent } from "../fleet/types";

export const BOOT_PHASES = [
  "provisioning",
  "firmware",
  "bootloader",
  "kernel",
  "initramfs",
  "systemd",
  "enrollment",
  "heartbeat",
] as const;
export type BootPhase = (typeof BOOT_PHASES)[number];

/** The phases some emitted kind maps to; the others no Nodepilot component reports yet. */
export const REPORTED_PHASES: readonly BootPhase[] = ["provisioning", "enrollment", "heartbeat"];

/**
 * The event.list kind filters the replay reads; bootPhaseOf then keeps the boot events among them
 * (task.* also carries module syncs, scripts and the rest).
 */
export const BOOT_EVENT_QUERIES = ["instance.*", "task.*", "fleet.instance_silent", "pool.member_ready"] as const;

type PhaseInput = Pick<FleetEvent, "kind" | "payload">;

// Tasks that bring a machine up: the provider's provision, start and power cycle, and the agent's
// reboot and boot-image upgrade.
const BOOT_COMMANDS = ["provision", "start", "power_cycle", "reboot", "upgrade_boot_image"];
// Deferred commands succeed only when a heartbeat of the new boot settles them (core/src/instances/heartbeat.ts).
const SETTLED_BY_HEARTBEAT = ["reboot", "upgrade_boot_image"];
// The states an instance is in while it is being brought up; an error from one of them is a failed boot.
const BOOTING_STATES = ["pending", "provisioning", "starting", "rebooting"];
// instance.transitioned reasons written by recordHeartbeat.
const HEARTBEAT_REASONS = ["first_heartbeat", "heartbeat"];

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

export function bootPhaseOf(e: PhaseInput): BootPhase | null {
  const p = e.payload;
  switch (e.kind) {
    case "instance.created":
    case "instance.simulated":
    case "instance.bootstrap_token_issued":
    case "instance.provisioned":
      return "provisioning";
    case "instance.enrolled":
    case "instance.enrollment_refused":
      return "enrollment";
    case "fleet.instance_silent":
    case "pool.member_ready":
      return "heartbeat";
    case "instance.transitioned":
      return transitionPhase(str(p.event), str(p.reason), str(p.from));
    case "task.created":
    case "task.transitioned":
    case "task.progress":
    case "task.deferred": {
      const command = str(p.command);
      if (!command || !BOOT_COMMANDS.includes(command)) return null;
      if (e.kind === "task.transitioned" && p.to === "succeeded" && SETTLED_BY_HEARTBEAT.includes(command)) {
        return "heartbeat";
      }
      return "provisioning";
    }
    default:
      return null;
  }
}

function transitionPhase(event: string | null, reason: string | null, from: string | null): BootPhase | null {
  switch (event) {
    case "provision":
    case "start":
    case "reboot":
      return "provisioning";
    // A heartbeat proves the agent is up; any other mark_running is the provider reporting power on.
    case "mark_running":
      return reason && HEARTBEAT_REASONS.includes(reason) ? "heartbeat" : "provisioning";
    case "mark_errored":
      return from && BOOTING_STATES.includes(from) ? "provisioning" : null;
    default:
      return null;
  }
}

export type BootCause = "created" | "start" | "reboot" | "image_upgrade";

/**
 * Whether this event begins a new boot. No fleet event carries the agent's boot id (a heartbeat
 * that only changes it writes no event), so boots are told apart by the requests that cause them.
 */
export function bootCauseOf(e: PhaseInput): BootCause | null {
  if (e.kind === "instance.created" || e.kind === "instance.simulated") return "created";
  if (e.kind === "instance.transitioned") {
    if (e.payload.event === "start") return "start";
    if (e.payload.event === "reboot") return "reboot";
  }
  if (e.kind === "task.created" && e.payload.command === "upgrade_boot_image") return "image_upgrade";
  return null;
}

/**
 * From this event on, heartbeats come from this boot: one of its heartbeats arrived (not a missing
 * one), or the provider reports the machine powered on again, so the old boot is gone.
 */
export function marksBootUp(e: PhaseInput): boolean {
  if (e.kind === "instance.transitioned") return e.payload.event === "mark_running";
  return bootPhaseOf(e) === "heartbeat" && e.kind !== "fleet.instance_silent";
}

export const CAUSE_LABEL: Record<BootCause, string> = {
  created: "first boot",
  start: "start",
  reboot: "reboot",
  image_upgrade: "boot image upgrade",
};
