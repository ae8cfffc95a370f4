// Test cleanup for local instances: they outlive the runtime by design (a control-plane restart must
// not touch running machines), so a test fleet kills every process its local provider started when it
// closes. Rescans until nothing is left, because a workload can spawn (the agent's enroll, then run)
// mid-sweep.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { sandboxPids } from "@nodepilot/core";

/** Every sandbox directory under the local provider's root, staging and terminating ones included. */
async function sandboxDirs(instancesRoot: string): Promise<string[]> {
  try {
    return (await readdir(instancesRoot)).map((name) => join(instancesRoot, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** SIGKILLs every live process of every sandbox under `instancesRoot` and waits until none is left. */
export async function killSandboxes(instancesRoot: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dirs = await sandboxDirs(instancesRoot);
    const pids = (await Promise.all(dirs.map((d) => sandboxPids(d)))).flat();
    if (pids.length === 0) return;
    if (Date.now() > deadline) throw new Error(`sandbox processes survived SIGKILL: ${pids.join(", ")}`);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Exited between the scan and the signal.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
