// Liveness and signalling of the processes recorded in a sandbox. A pid file alone is not proof:
// pids are reused, and an exited child is a zombie until reaped, so Linux checks /proc as well.
import { readdir, readFile } from "node:fs/promises";

export const INSTANCE_DIR_ENV = "NODEPILOT_INSTANCE_DIR";

async function procText(pid: number, file: string): Promise<string | null | "no-proc"> {
  try {
    return await readFile(`/proc/${pid}/${file}`, "latin1");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") {
      // Distinguish "this pid is gone" from "this OS has no procfs" (macOS).
      try {
        await readFile("/proc/self/stat");
        return null;
      } catch {
        return "no-proc";
      }
    }
    return null;
  }
}

/**
 * True when `pid` is a live (non-zombie) process of ours that belongs to the sandbox `instanceDir`
 * (its environment names the sandbox, which every process we spawn inherits).
 */
export async function isSandboxProcessAlive(pid: number | null, instanceDir: string): Promise<boolean> {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: someone else's process now holds the pid.
    return false;
  }
  const stat = await procText(pid, "stat");
  if (stat === "no-proc") return true;
  if (stat === null) return false;
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (state === "Z" || state === "X" || state === "x") return false;
  const environ = await procText(pid, "environ");
  if (environ === "no-proc") return true;
  if (environ === null) return false;
  return environ.split("\0").includes(`${INSTANCE_DIR_ENV}=${instanceDir}`);
}

/** Sends a signal, ignoring a process that already went away. */
export function signalProcess(pid: number | null, signal: NodeJS.Signals): void {
  if (pid === null) return;
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/**
 * Every live process whose environment names the sandbox `instanceDir` (Linux; [] without procfs).
 * Catches what the pid files cannot: processes the workload started, or ones that left its group.
 */
export async function sandboxPids(instanceDir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid !== process.pid && (await isSandboxProcessAlive(pid, instanceDir))) pids.push(pid);
  }
  return pids;
}
