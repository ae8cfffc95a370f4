// The heartbeat finalizer (spec/domain.md §2.1, agent.md §5): records what the agent observed and
// applies the status changes a heartbeat proves. Heartbeats are high-volume, so a heartbeat that
// changes no status writes only the observed columns: no version bump, no fleet event.
import { type DbOrTx, node_instances, tasks } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { conflict, notFound } from "../errors.ts";
import type { EventOrigin } from "../events/emit.ts";
import { type InstanceState, instanceMachine } from "../machines/instance-machine.ts";
import { transition } from "../machines/machine.ts";
import { onInstanceFirstHeartbeat } from "../pools/member-hooks.ts";
import { settleTask } from "../tasks/lease.ts";
import type { InstanceRow } from "./instance-schema.ts";
import { lockPoolMember, transitionInstance } from "./lifecycle.ts";

export interface HeartbeatInput {
  instanceId: string;
  bootId: string;
  agentVersion?: string | undefined;
  /** `{node_module_id: oci_digest}` actually mounted. */
  runningModuleDigests?: Record<string, string> | undefined;
  /** Names of the capabilities the node reported as present. */
  capabilities?: readonly string[] | undefined;
  bootedImageGitSha?: string | undefined;
  mountMode?: InstanceRow["mount_mode"] | undefined;
  now: Date;
}

export interface HeartbeatOutcome {
  instance: InstanceRow;
  /** True on the instance's very first heartbeat. */
  first: boolean;
  /** The boot id differs from the last one recorded (the machine rebooted). */
  rebooted: boolean;
  /** The status the heartbeat moved the instance to, if any. */
  transitionedTo: InstanceState | null;
  settledTaskIds: string[];
}

// A heartbeat proves the agent is up; from these states that means running (§2.1 mark_running).
// `stopping` is left to the provider: an agent still beating mid-stop is not a reverted stop.
const HEARTBEAT_SETTLES: readonly InstanceState[] = ["provisioning", "starting", "rebooting", "error"];

export async function recordHeartbeat(
  db: DbOrTx,
  origin: EventOrigin,
  input: HeartbeatInput,
): Promise<HeartbeatOutcome> {
  const [before] = await db
    .select()
    .from(node_instances)
    .where(and(eq(node_instances.id, input.instanceId), eq(node_instances.account_id, origin.principal.accountId)))
    .limit(1)
    .for("update");
  if (!before) throw notFound("instance", input.instanceId);
  if (before.status === "terminated") {
    throw conflict(`instance ${before.name} is terminated`, {
      reason: "instance_terminated",
      current_state: "terminated",
    });
  }
  const first = before.last_heartbeat_at === null;
  const rebooted = before.boot_id !== null && before.boot_id !== input.bootId;
  const [observed] = await db
    .update(node_instances)
    .set({
      last_heartbeat_at: input.now,
      boot_id: input.bootId,
      ...(input.agentVersion === undefined ? {} : { agent_version: input.agentVersion }),
      ...(input.runningModuleDigests === undefined ? {} : { running_module_digests: input.runningModuleDigests }),
      ...(input.capabilities === undefined ? {} : { capabilities: [...input.capabilities] }),
      // A blank image SHA never erases a known one (agent.md §5).
      ...(input.bootedImageGitSha ? { booted_image_git_sha: input.bootedImageGitSha } : {}),
      ...(input.mountMode ? { mount_mode: input.mountMode } : {}),
    })
    .where(eq(node_instances.id, before.id))
    .returning();
  if (!observed) throw notFound("instance", input.instanceId);

  // Lock order: instance, then tasks and pool member, then (through the first fleet event) the
  // account's event sequence, the same order task holders and pool operations use.
  const rebootTasks = rebooted
    ? await db
        .select({ id: tasks.id })
        .from(tasks)
        .where(
          and(
            eq(tasks.account_id, before.account_id),
            eq(tasks.subject_type, "node_instance"),
            eq(tasks.subject_id, before.id),
            eq(tasks.command, "reboot"),
            eq(tasks.status, "running"),
          ),
        )
        .orderBy(tasks.id)
        .for("update")
    : [];
  if (first) await lockPoolMember(db, before.id);

  let instance = observed;
  let transitionedTo: InstanceState | null = null;
  // While rebooting, only a new boot proves the reboot happened; an old boot's late beat does not.
  const proves = before.status !== "rebooting" || rebooted || before.boot_id === null;
  if (
    HEARTBEAT_SETTLES.includes(before.status) &&
    proves &&
    transition(instanceMachine, before.status, "mark_running").ok
  ) {
    instance = await transitionInstance(db, origin, observed, "mark_running", {
      reason: first ? "first_heartbeat" : "heartbeat",
    });
    transitionedTo = instance.status;
  }

  const settledTaskIds: string[] = [];
  for (const t of rebootTasks) {
    await settleTask(db, origin, {
      taskId: t.id,
      outcome: "succeeded",
      result: { ...(before.boot_id ? { previous_boot_id: before.boot_id } : {}), boot_id: input.bootId },
      now: input.now,
    });
    settledTaskIds.push(t.id);
  }

  if (first) await onInstanceFirstHeartbeat(db, origin, before.id);
  return { instance, first, rebooted, transitionedTo, settledTaskIds };
}
