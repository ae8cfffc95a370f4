// Which lifecycle actions an instance allows now, and why the others are refused — the same rules
// the API applies (core/src/machines/instance-machine.ts, instances/lifecycle.ts, controls.ts):
// the transition table, the hold (blocks start, reboot, terminate; stop stays allowed), the
// controls (no hold or cordon on a terminated instance), and the scope each operation needs.
import { hasScope } from "../../lib/session";
import type { InstanceState } from "../fleet/types";

export type LifecycleAction = "start" | "stop" | "reboot" | "terminate" | "hold" | "release" | "cordon" | "uncordon";

interface ActionSpec {
  label: string;
  operation: string;
  scope: string;
  /** States the machine allows the event from; undefined = any state but terminated (controls). */
  from?: readonly InstanceState[];
  blockedByHold?: boolean;
}

export const LIFECYCLE: Record<LifecycleAction, ActionSpec> = {
  start: {
    label: "Start",
    operation: "instance.start",
    scope: "fleet:write",
    from: ["stopped", "error"],
    blockedByHold: true,
  },
  stop: { label: "Stop", operation: "instance.stop", scope: "fleet:write", from: ["running", "starting"] },
  reboot: {
    label: "Reboot",
    operation: "instance.reboot",
    scope: "fleet:write",
    from: ["running"],
    blockedByHold: true,
  },
  terminate: {
    label: "Terminate",
    operation: "instance.terminate",
    scope: "fleet:admin",
    from: ["pending", "provisioning", "starting", "running", "stopping", "stopped", "rebooting", "error"],
    blockedByHold: true,
  },
  hold: { label: "Hold", operation: "instance.hold", scope: "fleet:write" },
  release: { label: "Release hold", operation: "instance.release_hold", scope: "fleet:write" },
  cordon: { label: "Cordon", operation: "instance.cordon", scope: "fleet:write" },
  uncordon: { label: "Uncordon", operation: "instance.uncordon", scope: "fleet:write" },
};

export interface InstanceControls {
  status: InstanceState;
  hold: { reason: string } | null;
  cordoned_at: string | null;
}

/** The viewer's effective scopes (GET /api/v1/session, already capped by the role). */
export interface Viewer {
  scopes: readonly string[];
}

const list = (states: readonly string[]) =>
  states.length === 1 ? states[0]! : `${states.slice(0, -1).join(", ")} or ${states[states.length - 1]}`;

/** null when the action is allowed now; otherwise the reason it is not, as the UI shows it. */
export function refusal(action: LifecycleAction, inst: InstanceControls, viewer: Viewer | null): string | null {
  const spec = LIFECYCLE[action];
  if (viewer && !hasScope(viewer.scopes, spec.scope)) return `missing permission: ${spec.scope}`;
  if (spec.from) {
    if (!spec.from.includes(inst.status))
      return `${spec.label} needs the instance ${list(spec.from)}; it is ${inst.status}`;
    if (spec.blockedByHold && inst.hold) return `On hold (${inst.hold.reason}): release the hold first`;
    return null;
  }
  if (inst.status === "terminated") return "The instance is terminated";
  switch (action) {
    case "hold":
      return inst.hold ? `Already on hold (${inst.hold.reason})` : null;
    case "release":
      return inst.hold ? null : "Not on hold";
    case "cordon":
      return inst.cordoned_at ? "Already cordoned" : null;
    case "uncordon":
      return inst.cordoned_at ? null : "Not cordoned";
    default:
      return null;
  }
}
