// Boots and halts the processes of one sandbox. Boot launches a detached supervisor; halt asks it
// to stop the workload (or stops an orphaned workload itself) and waits until nothing is left.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { ProviderCallContext } from "../adapter.ts";
import { ProviderTimeoutError, TransientProviderError } from "../errors.ts";
import { observeSandbox, type SandboxObservation } from "./local-status.ts";
import { pollUntil } from "./poll.ts";
import { INSTANCE_DIR_ENV, isSandboxProcessAlive, sandboxPids, signalProcess } from "./processes.ts";
import { FILES, type SandboxPaths, writeFileAtomic } from "./sandbox.ts";

// Extra time past the grace period for the supervisor to notice the exit and write it down.
const SETTLE_MARGIN_MS = 5_000;
const KILL_WAIT_MS = 2_000;

function supervisorScript(): string {
  return fileURLToPath(new URL("./supervisor.mjs", import.meta.url));
}

/** Starts a fresh run: clears the previous run's records, writes a new boot id, launches the supervisor. */
export async function boot(paths: SandboxPaths, graceMs: number): Promise<string> {
  for (const name of [FILES.exit, FILES.childPid, FILES.stopRequested, FILES.supervisorPid]) {
    await rm(paths.file(name), { force: true });
  }
  const bootId = randomUUID();
  await writeFileAtomic(paths.file(FILES.bootId), `${bootId}\n`);
  const log = await open(paths.file(FILES.supervisorLog), "a", 0o600);
  try {
    const child = spawn(process.execPath, [supervisorScript(), paths.dir, String(graceMs)], {
      cwd: paths.dir,
      // Detached with its own session, so neither a control-plane restart nor its terminal's
      // signals reach the instance.
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
      // Nothing of the control plane's environment (credentials, NODE_OPTIONS loaders) leaks in.
      env: {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: paths.file(FILES.home),
        [INSTANCE_DIR_ENV]: paths.dir,
      },
    });
    const pid = child.pid;
    if (pid === undefined) {
      const reason = await new Promise<string>((resolve) => child.once("error", (e) => resolve(e.message)));
      throw new TransientProviderError(`could not launch the local supervisor: ${reason}`, { providerType: "local" });
    }
    child.unref();
    // Recorded here as well as by the supervisor, so no status read can fall in the gap between
    // the spawn and the supervisor's first write.
    await writeFileAtomic(paths.file(FILES.supervisorPid), `${pid}\n`);
  } finally {
    await log.close();
  }
  return bootId;
}

// A pid from a file may have been reused since; only a process that is provably ours gets SIGKILL.
async function killIfOurs(paths: SandboxPaths, pid: number | null): Promise<void> {
  if (await isSandboxProcessAlive(pid, paths.dir)) signalProcess(pid, "SIGKILL");
}

async function bothGone(paths: SandboxPaths, o: SandboxObservation): Promise<boolean> {
  const [sup, child] = await Promise.all([
    isSandboxProcessAlive(o.supervisorPid, paths.dir),
    isSandboxProcessAlive(o.childPid, paths.dir),
  ]);
  return !sup && !child;
}

/** Kills any process of the sandbox still alive once supervisor and workload are gone (a stopped machine runs nothing). */
async function sweep(paths: SandboxPaths, ctx: ProviderCallContext): Promise<boolean> {
  const left = await sandboxPids(paths.dir);
  if (left.length === 0) return true;
  for (const pid of left) signalProcess(pid, "SIGKILL");
  return pollUntil(
    async () => (await sandboxPids(paths.dir)).length === 0,
    KILL_WAIT_MS,
    ctx,
    "stray sandbox processes to die",
  );
}

/**
 * Stops the run the observation describes and waits until its processes are gone. Graceful unless
 * `force`: the supervisor sends SIGTERM, then SIGKILL after the grace period.
 */
export async function halt(
  paths: SandboxPaths,
  o: SandboxObservation,
  opts: { force: boolean; graceMs: number },
  ctx: ProviderCallContext,
): Promise<void> {
  // Marker first: whoever records the exit reads it, whichever signal arrives first.
  await writeFileAtomic(paths.file(FILES.stopRequested), `${JSON.stringify({ at: new Date().toISOString() })}\n`);
  const orphan = !o.supervisorAlive;
  const startedAt = Date.now();
  if (!orphan) signalProcess(o.supervisorPid, "SIGTERM");
  if (o.childAlive && (opts.force || orphan)) signalProcess(o.childPid, opts.force ? "SIGKILL" : "SIGTERM");

  let settled = await pollUntil(
    async () => {
      // With no supervisor left, the grace-period escalation is ours to do.
      if (orphan && Date.now() - startedAt >= opts.graceMs) await killIfOurs(paths, o.childPid);
      return bothGone(paths, o);
    },
    opts.graceMs + SETTLE_MARGIN_MS,
    ctx,
    "the local instance to stop",
  );
  if (!settled) {
    await killIfOurs(paths, o.supervisorPid);
    await killIfOurs(paths, o.childPid);
    settled = await pollUntil(() => bothGone(paths, o), KILL_WAIT_MS, ctx, "the local instance to die");
  }
  if (settled) settled = await sweep(paths, ctx);
  if (!settled) {
    throw new ProviderTimeoutError(`local instance processes in ${paths.dir} did not exit`, { providerType: "local" });
  }
  const after = await observeSandbox(paths);
  if (after && !after.exit) {
    // Nobody supervised the run's end, so record it ourselves: an orderly, requested stop.
    const record = { code: null, signal: opts.force ? "SIGKILL" : "SIGTERM", at: new Date().toISOString() };
    await writeFileAtomic(paths.file(FILES.exit), `${JSON.stringify({ ...record, requested_stop: true })}\n`);
  }
}
