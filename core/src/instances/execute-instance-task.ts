// Runs one leased control-plane instance task end to end (spec/domain.md §1.3, §2.1, §2.2): start it
// (provision also moves the instance to provisioning), call the provider while renewing the lease,
// then settle in one transaction: the task's outcome together with the instance's finalizer.
// Locks are taken instance → task → event sequence, the order every other writer uses.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type DbOrTx, tasks } from "@nodepilot/store";
import { and, count, eq, inArray, or } from "drizzle-orm";
import { systemPrincipal } from "../auth/principal.ts";
import type { Services } from "../catalog/context.ts";
import { issueBootstrapToken } from "../enrollment/bootstrap-tokens.ts";
import { AppError } from "../errors.ts";
import type { EventOrigin } from "../events/emit.ts";
import type { ProviderCallContext } from "../providers/adapter.ts";
import { ProviderError } from "../providers/errors.ts";
import { scrubbingLogger } from "../providers/scrubbing-logger.ts";
import { completeTask, failTask, renewTask, startTask } from "../tasks/lease.ts";
import type { TaskRow } from "../tasks/task-output.ts";
import {
  beginInstanceCommand,
  failInstanceCommand,
  finishInstanceCommand,
  type InstanceCommand,
  isInstanceCommand,
  lockInstance,
  markInstanceGone,
  type ProviderReport,
} from "./finalizers.ts";
import type { InstanceRow } from "./instance-schema.ts";
import { instanceProvider } from "./provider-access.ts";
import {
  type AgentEndpointSource,
  InstanceGoneError,
  POLL_INTERVAL_MS,
  type ProvisionIdentity,
  type ProvisionPayload,
  powerCycleCall,
  provisionCall,
  startCall,
  stopCall,
  terminateCall,
} from "./provider-calls.ts";

/** Bootstrap tokens handed to new machines live as long as the spec allows (agent.md §4: 1 h). */
const PROVISION_TOKEN_TTL_SECONDS = 3600;

/** Deadlines for provider work (spec/domain.md §4.3): 15 min to provision, 5 min otherwise. */
export const PROVISION_DEADLINE_MS = 15 * 60_000;
export const CALL_DEADLINE_MS = 5 * 60_000;

export type ExecutionOutcome = "succeeded" | "retrying" | "failed" | "dropped";

interface Failure {
  code: string;
  message: string;
  retryable: boolean;
  /** The provider no longer has the machine: the instance is terminated, whatever it was doing. */
  gone?: boolean;
  cloudInstanceId?: string | null;
}

class LeaseEnded extends Error {
  constructor(readonly reason: string) {
    super(`lease ended: ${reason}`);
  }
}

const HOLDER_ENDS = new Set(["lease_lost", "task_cancelled", "timeout"]);
const endsLease = (err: unknown) =>
  err instanceof AppError && err.code === "conflict" && HOLDER_ENDS.has(err.reason ?? "");

function classify(err: unknown, command: InstanceCommand): Failure {
  if (err instanceof InstanceGoneError) {
    const power = command === "start" || command === "stop" || command === "power_cycle";
    return { code: "provider_not_found", message: err.message, retryable: false, gone: power };
  }
  if (err instanceof ProviderError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (err instanceof AppError) {
    return {
      code: err.reason ?? err.code,
      message: err.message,
      retryable: err.code === "unavailable" || err.code === "internal",
    };
  }
  return { code: "internal_error", message: err instanceof Error ? err.message : String(err), retryable: true };
}

async function lockTaskRow(db: DbOrTx, taskId: string) {
  await db.select({ id: tasks.id }).from(tasks).where(eq(tasks.id, taskId)).for("update");
}

export async function executeInstanceTask(
  services: Services & AgentEndpointSource,
  task: TaskRow,
): Promise<ExecutionOutcome> {
  const { db } = services.database;
  if (!isInstanceCommand(task.command) || !task.lease_id) {
    throw new Error(`task ${task.id} (${task.command}) is not a leased control-plane instance task`);
  }
  const command = task.command;
  const leaseId = task.lease_id;
  const principal = systemPrincipal(task.account_id, ["fleet:admin"]);
  const origin = (): EventOrigin => ({
    principal,
    source: "system",
    correlationId: task.correlation_id,
    now: services.clock(),
  });
  const log = (msg: string, data: Record<string, unknown> = {}) =>
    services.logger.info(msg, { task_id: task.id, command, instance_id: task.subject_id, ...data });

  const fail = async (f: Failure): Promise<ExecutionOutcome> => {
    try {
      return await db.transaction(async (tx) => {
        const o = origin();
        const instance = await lockInstance(tx, task.account_id, task.subject_id);
        await lockTaskRow(tx, task.id);
        const after = await failTask(tx, o, {
          taskId: task.id,
          leaseId,
          completionId: randomUUID(),
          error_code: f.code,
          error_message: f.message,
          retryable: f.retryable,
          now: o.now,
        });
        if (instance && f.gone) await markInstanceGone(tx, o, instance);
        else if (instance && after.status === "failed") {
          await failInstanceCommand(tx, o, command, instance, {
            error_code: f.code,
            cloud_instance_id: f.cloudInstanceId ?? null,
          });
        }
        log("control-plane task failed", { error_code: f.code, retryable: f.retryable, status: after.status });
        return after.status === "pending" ? "retrying" : "failed";
      });
    } catch (err) {
      if (endsLease(err)) return "dropped";
      throw err;
    }
  };

  // 1. Start (and, for provision, pending → provisioning, with a fresh bootstrap token for the agent).
  let instance: InstanceRow;
  let identity: ProvisionIdentity | undefined;
  try {
    ({ instance, identity } = await db.transaction(async (tx) => {
      const o = origin();
      const row = await lockInstance(tx, task.account_id, task.subject_id);
      if (!row)
        throw new AppError("not_found", `instance ${task.subject_id} no longer exists`, { reason: "subject_missing" });
      const endpoint = command === "provision" ? services.agentEndpoint?.() : undefined;
      // A local machine runs the real agent, which cannot enroll without the listener's URL and CA.
      // Retryable: a process starts its listener just after its runner, so this can be a brief gap.
      const needsEndpoint =
        row.variety === "local" && services.providers.has("local")
          ? services.providers.get("local").needsAgentEndpoint === true
          : false;
      if (command === "provision" && !endpoint && needsEndpoint) {
        throw new AppError(
          "unavailable",
          "the agent listener is not running, so a local instance's agent could not enroll: start the agent API (runtime.startAgentApi) before provisioning",
          { reason: "agent_api_unavailable" },
        );
      }
      await startTask(tx, o, { taskId: task.id, leaseId, now: o.now });
      const begun = await beginInstanceCommand(tx, o, command, row);
      if (!endpoint) return { instance: begun, identity: undefined };
      const token = await issueBootstrapToken(tx, o, {
        accountId: task.account_id,
        nodeId: begun.node_id,
        instanceId: begun.id,
        purpose: "enroll",
        ttlSeconds: PROVISION_TOKEN_TTL_SECONDS,
        now: o.now,
      });
      return { instance: begun, identity: { bootstrapToken: token.plaintext, endpoint } };
    }));
  } catch (err) {
    if (endsLease(err)) return "dropped";
    const f = classify(err, command);
    // Refusals of the request itself are final; an unavailable dependency is worth another attempt.
    return fail({ ...f, retryable: err instanceof AppError && err.code !== "unavailable" ? false : f.retryable });
  }

  // 2. Call the provider, renewing the lease until the call settles.
  const controller = new AbortController();
  const budget = command === "provision" ? PROVISION_DEADLINE_MS : CALL_DEADLINE_MS;
  const drainMs = command === "decommission" ? drainBudgetMs(task) : 0;
  const renewEvery = Math.max(1_000, (task.lease_ttl_seconds * 1000) / 3);
  let renewal: Promise<unknown> = Promise.resolve();
  const renewer = setInterval(() => {
    renewal = renewTask(db, origin(), { taskId: task.id, leaseId, now: services.clock() }).catch((err) => {
      if (endsLease(err)) controller.abort(new LeaseEnded((err as AppError).reason ?? "lease_lost"));
      else services.logger.warn("lease renewal failed; retrying", { task_id: task.id, error: String(err) });
    });
  }, renewEvery);
  let result: Record<string, unknown> | undefined;
  let report: ProviderReport | null = null;
  let created: string | null = null;
  try {
    if (!instance.provider_connection_id && (command === "terminate" || command === "decommission")) {
      // No provider manages this machine (a claimed physical box): removal is bookkeeping. The
      // finalizer below marks it terminated and revokes its identity; the hardware is the operator's.
      const drained = command === "decommission" ? await drain(db, instance, drainMs, controller.signal) : {};
      result = { ...drained, cloud_instance_id: null, terminated: true, released_ips: [] };
    } else {
      const provider = await instanceProvider(db, services.providers, services.secrets, instance);
      const ctx: ProviderCallContext = {
        idempotencyToken: task.id,
        deadline: new Date(Date.now() + drainMs + budget),
        signal: controller.signal,
        logger: scrubbingLogger(services.logger, provider.secretValues),
        credentials: provider.credentials,
      };
      const payload = task.payload as Record<string, unknown>;
      switch (command) {
        case "provision": {
          const out = await provisionCall(provider, instance, payload as ProvisionPayload, ctx, identity);
          created = out.created;
          report = out.report;
          break;
        }
        case "start":
          report = await startCall(provider, instance, ctx);
          break;
        case "stop":
          report = await stopCall(provider, instance, payload.force === true, ctx);
          break;
        case "power_cycle":
          report = await powerCycleCall(provider, instance, ctx);
          break;
        case "terminate": {
          const out = await terminateCall(provider, instance, payload.release_ips !== false, ctx);
          result = { cloud_instance_id: out.cloud_instance_id, terminated: true, released_ips: out.released_ips };
          break;
        }
        case "decommission": {
          const drained = await drain(db, instance, drainMs, controller.signal);
          const out = await terminateCall(provider, instance, true, ctx);
          result = { ...drained, released_ips: out.released_ips, terminated: true };
          break;
        }
      }
    }
    result ??= report as unknown as Record<string, unknown>;
  } catch (err) {
    clearInterval(renewer);
    await renewal;
    if (controller.signal.aborted) return "dropped";
    return fail({ ...classify(err, command), cloudInstanceId: created });
  }
  clearInterval(renewer);
  // A renewal still in flight would race the settle below for the task row; let it land first.
  await renewal;
  if (controller.signal.aborted) return "dropped";

  // 3. Settle: the task's result and the instance's finalizer commit together.
  try {
    await db.transaction(async (tx) => {
      const o = origin();
      const current = await lockInstance(tx, task.account_id, task.subject_id);
      await lockTaskRow(tx, task.id);
      if (current) await finishInstanceCommand(tx, o, command, current, report);
      await completeTask(tx, o, {
        taskId: task.id,
        leaseId,
        completionId: randomUUID(),
        result: result ?? {},
        now: o.now,
      });
    });
  } catch (err) {
    if (endsLease(err)) return "dropped";
    return fail({ ...classify(err, command), cloudInstanceId: created });
  }
  log("control-plane task succeeded");
  return "succeeded";
}

/** The drain wait, leaving the command's run timeout enough room for the termination after it. */
function drainBudgetMs(task: TaskRow): number {
  const asked = Number((task.payload as { drain_timeout_seconds?: unknown }).drain_timeout_seconds ?? 600) * 1000;
  const room = task.timeout_seconds * 1000 - CALL_DEADLINE_MS;
  return Math.max(0, Math.min(asked, room));
}

/** Agent work in flight on the instance: its own tasks, and node tasks it holds the lease of. */
async function inFlightAgentTasks(db: DbOrTx, instance: InstanceRow): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(tasks)
    .where(
      and(
        eq(tasks.account_id, instance.account_id),
        eq(tasks.executor, "agent"),
        inArray(tasks.status, ["leased", "running"]),
        or(
          and(eq(tasks.subject_type, "node_instance"), eq(tasks.subject_id, instance.id)),
          eq(tasks.lease_holder, instance.id),
        ),
      ),
    );
  return row?.n ?? 0;
}

/** Wait (the instance is cordoned, so nothing new starts) until no agent task is in flight, or time is up. */
async function drain(db: DbOrTx, instance: InstanceRow, budgetMs: number, signal: AbortSignal) {
  const started = Date.now();
  for (;;) {
    const busy = await inFlightAgentTasks(db, instance);
    const waited = Date.now() - started;
    if (busy === 0) return { drained: true, waited_seconds: Math.round(waited / 1000) };
    if (waited >= budgetMs) return { drained: false, waited_seconds: Math.round(waited / 1000) };
    await sleep(Math.min(POLL_INTERVAL_MS, budgetMs - waited), undefined, { signal });
  }
}
