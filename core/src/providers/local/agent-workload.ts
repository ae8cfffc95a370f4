// The workload that makes a local instance a real node: the on-node agent (agent/bin) run through
// agent-node.mjs, which enrolls with the identity the provider wrote and then runs the service loop.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface LocalWorkload {
  command: string;
  args: string[];
}

/** The agent workload for `agentBin` (the nodepilot-agent entry script); throws when it is missing. */
export function agentWorkload(agentBin: string): LocalWorkload {
  const bin = path.resolve(agentBin);
  if (!existsSync(bin)) throw new Error(`the on-node agent is missing: ${bin} does not exist`);
  return {
    command: process.execPath,
    args: [fileURLToPath(new URL("./agent-node.mjs", import.meta.url)), bin],
  };
}
