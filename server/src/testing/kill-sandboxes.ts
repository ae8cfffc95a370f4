// Test cleanup for local instances: they outlive the runtime by design, so a suite must kill what it
// started. Rescans until nothing is left, because a workload can spawn (the agent's enroll) mid-sweep.
import { sandboxPids } from "@nodepilot/core";

export async function killSandboxes(dirs: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
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
