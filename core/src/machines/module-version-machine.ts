// Module version promotion ladder (spec/domain.md §2.4).
import { MODULE_VERSION_STATES } from "@nodepilot/store";
import type { Machine } from "./machine.ts";

export type VersionState = (typeof MODULE_VERSION_STATES)[number];
export type VersionEvent = "publish" | "bless" | "go_live" | "deprecate" | "retire";

export const moduleVersionMachine: Machine<VersionState, VersionEvent> = {
  name: "module_version",
  states: MODULE_VERSION_STATES,
  initial: "draft",
  final: ["retired"],
  rules: [
    { event: "publish", from: ["draft"], to: "staging" },
    { event: "bless", from: ["staging"], to: "blessed" },
    { event: "go_live", from: ["blessed"], to: "live" },
    { event: "deprecate", from: ["live"], to: "deprecated" },
    { event: "retire", from: ["draft", "staging", "blessed", "deprecated"], to: "retired" },
  ],
};
