// node_instances lifecycle (spec/domain.md §2.1).
import { INSTANCE_STATES } from "@nodepilot/store";
import type { Machine } from "./machine.ts";

export { INSTANCE_STATES };

export type InstanceState = (typeof INSTANCE_STATES)[number];
export type InstanceEvent =
  | "provision"
  | "mark_running"
  | "start"
  | "stop"
  | "reboot"
  | "mark_stopped"
  | "terminate"
  | "mark_terminated"
  | "mark_errored";

export const instanceMachine: Machine<InstanceState, InstanceEvent> = {
  name: "node_instance",
  states: INSTANCE_STATES,
  initial: "pending",
  final: ["terminated"],
  rules: [
    { event: "provision", from: ["pending"], to: "provisioning" },
    { event: "mark_running", from: ["provisioning", "starting", "rebooting", "stopping", "error"], to: "running" },
    { event: "start", from: ["stopped", "error"], to: "starting" },
    { event: "stop", from: ["running", "starting"], to: "stopping" },
    { event: "reboot", from: ["running"], to: "rebooting" },
    { event: "mark_stopped", from: ["stopping", "starting", "running"], to: "stopped" },
    {
      event: "terminate",
      from: ["pending", "provisioning", "starting", "running", "stopping", "stopped", "rebooting", "error"],
      to: "terminating",
    },
    { event: "mark_terminated", from: "any_non_final", to: "terminated" },
    {
      event: "mark_errored",
      from: ["pending", "provisioning", "starting", "running", "stopping", "rebooting", "terminating"],
      to: "error",
    },
  ],
};

/** Events a hold blocks; stop stays allowed under a hold. */
export const HOLD_BLOCKS: readonly InstanceEvent[] = ["start", "reboot", "terminate"];

export const HEARTBEAT_STALE_AFTER_MS = 180_000;
