// Build identity of the agent. esbuild replaces the `__NODEPILOT_*__` globals when bundling; run
// from source (tsx, tests) they are absent and the values say so instead of inventing any.
declare const __NODEPILOT_AGENT_VERSION__: string | undefined;
declare const __NODEPILOT_GIT_COMMIT__: string | undefined;
declare const __NODEPILOT_BUILD_DATE__: string | undefined;

import { AGENT_PROTOCOL_VERSION } from "@nodepilot/core/agent-protocol";

export const AGENT_VERSION: string =
  typeof __NODEPILOT_AGENT_VERSION__ === "string" ? __NODEPILOT_AGENT_VERSION__ : "0.1.0-dev";

export interface VersionInfo {
  version: string;
  git_commit: string;
  build_date: string;
  protocol_version: number;
}

export function versionInfo(): VersionInfo {
  return {
    version: AGENT_VERSION,
    git_commit: typeof __NODEPILOT_GIT_COMMIT__ === "string" ? __NODEPILOT_GIT_COMMIT__ : "unknown",
    build_date: typeof __NODEPILOT_BUILD_DATE__ === "string" ? __NODEPILOT_BUILD_DATE__ : "unbuilt",
    protocol_version: AGENT_PROTOCOL_VERSION,
  };
}

/** The protocol's architecture names for this process (`x64` is `amd64`). */
export function agentArchitecture(): "amd64" | "arm64" {
  if (process.arch === "x64") return "amd64";
  if (process.arch === "arm64") return "arm64";
  throw new Error(`unsupported architecture ${process.arch}: the agent runs on amd64 and arm64 only`);
}
