// `nodepilot-agent run` (spec/agent.md §5–§8, §10): heartbeat, task loop, rotation, module reconcile
// (every 60 s and whenever a heartbeat shows a new assignments revision) and the event outbox, over one mTLS client. Loops report failures through one error hook and
// retry with jittered backoff; they never exit on their own. The process ends on SIGTERM (drain,
// flush the outbox, exit 0), on a genuine 401 with an expired certificate (exit 4), or idles when
// the instance is terminated.
import { AgentConfig } from "@nodepilot/core/agent-protocol";
import { nextDelay, ROTATION_BACKOFF } from "../client/backoff.ts";
import { PlatformProblemError } from "../client/errors.ts";
import { PlatformClient } from "../client/platform-client.ts";
import { abortableSleep } from "../client/retry.ts";
import { EXIT, ExitError } from "../exit-codes.ts";
import { defaultHandlers, performReboot, type RebootPlan } from "../handlers/index.ts";
import { syncFromPlatform } from "../handlers/sync-modules.ts";
import { bootedImageGitSha } from "../identity/cmdline.ts";
import { OutboxFlusher } from "../outbox/flusher.ts";
import { Outbox } from "../outbox/outbox.ts";
import { readOptional } from "../state/atomic.ts";
import { TaskJournal } from "../state/journal.ts";
import { certificateState, readPki, rotationDue } from "../state/pki.ts";
import type { StatePaths } from "../state/state-dir.ts";
import { AGENT_VERSION } from "../version.ts";
import { readBootId } from "./boot-id.ts";
import { heartbeatBody, heartbeatDelay } from "./heartbeat.ts";
import { rotateCertificate, rotationFailingEvent } from "./rotation.ts";
import { TaskLoop } from "./task-loop.ts";

const ROTATION_CHECK_MS = 6 * 3600_000;
/** Module reconcile cadence (§8); a changed assignments_revision or resync_modules runs it at once. */
const RECONCILE_EVERY_MS = 60_000;
const IDLE_POLL_MS = 5_000;
/** SIGTERM flushes the outbox (§10) for at most this long before exiting. */
const FINAL_FLUSH_MS = 10_000;

export interface RunOptions {
  paths: StatePaths;
  platformUrl?: string;
  heartbeatSeconds?: number;
  maxConcurrentTasks?: number;
  bootIdFile?: string;
  cmdlinePath?: string;
  log?: (msg: string) => void;
  signal?: AbortSignal;
  rng?: () => number;
}

export async function runAgent(opts: RunOptions): Promise<number> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const rng = opts.rng ?? Math.random;
  let pki = await readPki(opts.paths);
  if (!pki)
    throw new ExitError(
      EXIT.enrollmentRefused,
      `not enrolled: no PKI in ${opts.paths.pki}; run nodepilot-agent enroll`,
    );
  const configText = await readOptional(opts.paths.config);
  const config = configText ? AgentConfig.parse(JSON.parse(configText)) : null;
  const client = new PlatformClient({
    platformUrl: opts.platformUrl ?? pki.meta.platform_url,
    caBundlePem: pki.caBundlePem,
    agentVersion: AGENT_VERSION,
    credentials: { keyPem: pki.keyPem, certPem: pki.certPem },
  });
  const bootId = await readBootId({
    fallbackFile: opts.paths.bootIdFallback,
    ...(opts.bootIdFile ? { bootIdFile: opts.bootIdFile } : {}),
  });
  const imageSha = await bootedImageGitSha(opts.cmdlinePath);
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let exitCode: number = EXIT.ok;
  let rebootPending: string | null = null;
  const rebootPlan: RebootPlan = opts.bootIdFile
    ? { mode: "sandbox", bootIdFile: opts.bootIdFile }
    : { mode: "system" };

  const journal = new TaskJournal(opts.paths.journal);
  await journal.load();
  const outbox = await Outbox.open(opts.paths.outbox, { log });
  const events = new OutboxFlusher({
    outbox,
    send: (batch, sig) => client.postEvents({ events: batch }, sig),
    log,
    rng,
  });
  let wake: (() => void) | null = null;
  const tasks = new TaskLoop({
    client,
    journal,
    paths: opts.paths,
    maxConcurrent: opts.maxConcurrentTasks ?? config?.max_concurrent_tasks ?? 4,
    log,
    events,
    handlers: defaultHandlers({
      currentBootId: () => bootId,
      onRebootRequested: (id) => (rebootPending = id),
      // A platform-requested rotation (cert.rotate): the same rotation the schedule runs, forced.
      renewCertificate: async () =>
        (await rotate(true)) && pki ? { certificate_id: pki.meta.certificate_id, not_after: pki.meta.not_after } : null,
    }),
    onReported: (entry) => {
      if (entry.command === "reboot" && rebootPending === entry.task_id) {
        log(`rebooting (${rebootPlan.mode}) for task ${entry.task_id}`);
        stop.abort();
        void performReboot(rebootPlan).catch((e) => log(`reboot failed: ${(e as Error).message}`));
      }
    },
  });

  /**
   * A 401 that survived the self-heal is genuine (§3): with an expired certificate, or one the
   * platform rejects (revoked, unknown), the control-plane loops stop until re-enrollment.
   */
  const onError = (where: string, err: unknown) => {
    log(`${where}: ${(err as Error).message}`);
    if (
      err instanceof PlatformProblemError &&
      err.status === 401 &&
      pki &&
      (err.reason === "certificate_rejected" || !certificateState(pki.certPem, new Date()).valid)
    ) {
      log("identity_revoked: certificate expired or revoked; re-enroll with a new bootstrap token");
      exitCode = EXIT.enrollmentRefused;
      stop.abort();
    }
    if (err instanceof PlatformProblemError && err.status === 409 && err.reason === "instance_terminated") {
      log("instance terminated: stopping all loops");
      stop.abort();
    }
  };

  const heartbeatLoop = async () => {
    let seq = 0;
    let interval = opts.heartbeatSeconds ?? config?.heartbeat_interval_seconds ?? 30;
    let failures = 0;
    while (!signal.aborted) {
      let delay = heartbeatDelay(interval, rng);
      try {
        const body = await heartbeatBody({
          seq: seq++,
          bootId,
          stateDir: opts.paths.root,
          activeLeases: tasks.activeLeases(),
          outboxDepth: outbox.depth + tasks.pendingReports(),
          droppedEvents: outbox.dropped,
          ...(imageSha ? { bootedImageGitSha: imageSha } : {}),
        });
        const reply = await client.heartbeat(body, signal);
        failures = 0;
        // The platform is reachable: queued events and reports go now instead of after a backoff.
        if (outbox.depth > 0) events.reconnected();
        if (tasks.pendingReports() > 0) wake?.();
        interval = reply.next_heartbeat_seconds;
        delay = heartbeatDelay(interval, rng);
        tasks.loseLeases(reply.lost_leases.map((l) => l.task_id));
        if (reply.tasks_pending > 0) wake?.();
        if (reply.actions.includes("rotate_certificate")) void rotate(true);
        if (reply.actions.includes("resync_modules") || reply.assignments_revision !== reconciledRevision) {
          seenRevision = reply.assignments_revision;
          wakeReconcile?.();
        }
      } catch (err) {
        onError("heartbeat", err);
        // Overload answers carry Retry-After; everything else keeps the interval (§5 errors).
        if (err instanceof PlatformProblemError && err.retryAfterMs !== undefined)
          delay = nextDelay(failures++, rng, err.retryAfterMs);
      }
      await abortableSleep(delay, signal).catch(() => undefined);
    }
  };

  const taskLoop = async () => {
    let failures = 0;
    signal.addEventListener("abort", () => wake?.(), { once: true });
    for (;;) {
      try {
        if (failures === 0 && journal.list().length > 0) await tasks.recover();
        if (signal.aborted) break;
        await tasks.tick();
        failures = 0;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, IDLE_POLL_MS);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      } catch (err) {
        onError("tasks", err);
        // A heartbeat that gets through ends the backoff early, so waiting reports are resent.
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, nextDelay(failures++, rng));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      if (signal.aborted) break;
    }
  };

  // The revision the last successful reconcile ran for, and the newest one a heartbeat reported.
  let reconciledRevision: string | undefined;
  let seenRevision: string | undefined;
  let wakeReconcile: (() => void) | null = null;
  const reconcileLoop = async () => {
    let failures = 0;
    while (!signal.aborted) {
      const target = seenRevision;
      let delay = RECONCILE_EVERY_MS;
      try {
        const report = await syncFromPlatform(opts.paths, { signal, events });
        failures = 0;
        reconciledRevision = target;
        if (report.failed.length > 0) {
          log(`reconcile: ${report.failed.map((f) => `${f.module_id} ${f.error_code}`).join(", ")} not attached`);
        }
      } catch (err) {
        if (signal.aborted) break;
        onError("reconcile", err);
        // Retried with backoff; a failed module alone is not an error (it is in the report).
        delay = Math.min(RECONCILE_EVERY_MS, nextDelay(failures++, rng));
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener("abort", done);
          resolve();
        };
        wakeReconcile = done;
        signal.addEventListener("abort", done, { once: true });
      });
      wakeReconcile = null;
    }
  };

  let rotating = false;
  let failingReportedAt: number | null = null;
  /** False when a due rotation failed (the loop then retries with backoff). */
  const rotate = async (force: boolean): Promise<boolean> => {
    if (rotating || !pki) return true;
    if (!force && !rotationDue(certificateState(pki.certPem, new Date()))) return true;
    rotating = true;
    try {
      pki = await rotateCertificate(client, opts.paths, pki);
      failingReportedAt = null;
      log(`certificate rotated: ${pki.meta.certificate_id} until ${pki.meta.not_after}`);
      return true;
    } catch (err) {
      onError("rotate", err);
      const now = Date.now();
      const event = rotationFailingEvent(
        certificateState(pki.certPem, new Date(now)),
        pki.meta.certificate_id,
        err,
        failingReportedAt,
        now,
      );
      if (event) {
        failingReportedAt = now;
        await events.emit(event).catch((e) => log(`outbox: ${(e as Error).message}`));
      }
      return false;
    } finally {
      rotating = false;
    }
  };
  const rotationLoop = async () => {
    let failures = 0;
    while (!signal.aborted) {
      let delay = ROTATION_CHECK_MS;
      if (await rotate(false)) failures = 0;
      // Failures retry with backoff from 1 min up to 1 h (§7).
      else delay = nextDelay(failures++, rng, undefined, ROTATION_BACKOFF);
      await abortableSleep(delay, signal).catch(() => undefined);
    }
  };

  const onTerm = () => {
    log("SIGTERM: stop leasing, draining in-flight tasks");
    tasks.stopLeasing();
    void tasks.drain(30_000).finally(() => stop.abort());
  };
  process.once("SIGTERM", onTerm);
  try {
    await Promise.all([
      heartbeatLoop(),
      taskLoop(),
      rotationLoop(),
      reconcileLoop(),
      events.run(signal, (err) => onError("outbox", err)),
    ]);
    await tasks.drain(30_000);
    // Flush the outbox before exiting (§10); what does not get through stays queued for next time.
    if (outbox.depth > 0 && exitCode === EXIT.ok) {
      await events
        .drain(AbortSignal.timeout(FINAL_FLUSH_MS))
        .catch((err) => log(`outbox: ${outbox.depth} event(s) kept for the next start: ${(err as Error).message}`));
    }
  } finally {
    process.off("SIGTERM", onTerm);
    await outbox.close();
    client.close();
  }
  return exitCode;
}
