// Module version promotion ladder (spec/domain.md §2.4).
import type { Machine } from "./machine.ts";

export type VersionState = "draft" | "staging" | "blessed" | "live" | "deprecated" | "retired";
export type VersionEvent = "publish" | "bless" | "go_live" | "deprecate" | "retire";

export const moduleVersionMachine: Machine<VersionState, VersionEvent> = {
  name: "module_version",
  states: ["draft", "staging", "blessed", "live", "deprecated", "retired"],
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
