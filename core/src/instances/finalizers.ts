// The store side of control-plane instance tasks (spec/domain.md §2.1): what a task does to its
// instance when it starts, when the provider reports success, when it fails for good, and when the
// provider says the machine is gone. Each runs inside the executor's settle transaction, with the
// instance row already locked, so the task outcome and the instance change commit together.
import { type DbOrTx, node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { conflict } from "../errors.ts";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import { type InstanceState, instanceMachine } from "../machines/instance-machine.ts";
import { transition } from "../machines/machine.ts";
import type { InstanceRow } from "./instance-schema.ts";
import { transitionInstance } from "./lifecycle.ts";

export const INSTANCE_COMMANDS = ["provision", "start", "stop", "power_cycle", "terminate", "decommission"] as const;
export type InstanceCommand = (typeof INSTANCE_COMMANDS)[number];

export const isInstanceCommand = (c: string): c is InstanceCommand =>
  (INSTANCE_COMMANDS as readonly string[]).includes(c);

/** The transitional state each command settles; the operation that queued it put the instance there. */
export const SETTLES: Record<InstanceCommand, InstanceState> = {
  provision: "provisioning",
  start: "starting",
  stop: "stopping",
  power_cycle: "rebooting",
  terminate: "terminating",
  decommission: "terminating",
};

/** What the provider reported after the call (the control-plane commands' result shape). */
export interface ProviderReport {
  cloud_instance_id: string;
  status: string;
  private_ip?: string | null;
  public_ip?: string | null;
  zone_code?: string | null;
  instance_type_code?: string | null;
}

/** Lock the instance for a settle transaction; locked first, before the task and the event sequence. */
export async function lockInstance(
  db: DbOrTx,
  accountId: string,
  instanceId: string,
): Promise<InstanceRow | undefined> {
  const [row] = await db
    .select()
    .from(node_instances)
    .where(and(eq(node_instances.id, instanceId), eq(node_instances.account_id, accountId)))
    .limit(1)
    .for("update");
  return row;
}

/**
 * At task start. `provision` moves pending → provisioning (a retry finds it provisioning already).
 * Any other command runs only while the instance is still in the state it was queued to settle; an
 * instance that has moved on (stopped again, terminated) makes the task `superseded`.
 */
export async function beginInstanceCommand(
  db: DbOrTx,
  origin: EventOrigin,
  command: InstanceCommand,
  instance: InstanceRow,
): Promise<InstanceRow> {
  if (command === "provision" && instance.status === "pending") {
    return transitionInstance(db, origin, instance, "provision", { reason: "provision_leased" });
  }
  if (instance.status === SETTLES[command]) return instance;
  throw conflict(`instance ${instance.name} is ${instance.status}; ${command} no longer applies`, {
    reason: "superseded",
    current_state: instance.status,
  });
}

const addresses = (r: ProviderReport, now: Date) => ({
  ...(r.private_ip === undefined ? {} : { private_ip: r.private_ip }),
  ...(r.public_ip === undefined ? {} : { public_ip: r.public_ip }),
  last_synced_at: now,
});

/** The provider did what the command asked. Instances that moved on meanwhile keep their state. */
export async function finishInstanceCommand(
  db: DbOrTx,
  origin: EventOrigin,
  command: InstanceCommand,
  instance: InstanceRow,
  report: ProviderReport | null,
): Promise<InstanceRow> {
  const set = report ? addresses(report, origin.now) : {};
  switch (command) {
    case "provision":
      // The instance stays provisioning: only its first heartbeat proves the agent is up (§2.1).
      return recordProvisioned(db, origin, instance, report);
    case "start":
      return instance.status === "starting"
        ? transitionInstance(db, origin, instance, "mark_running", { set })
        : instance;
    case "stop":
      return instance.status === "stopping"
        ? transitionInstance(db, origin, instance, "mark_stopped", { set })
        : instance;
    case "power_cycle":
      return instance.status === "rebooting"
        ? transitionInstance(db, origin, instance, "mark_running", { set, reason: "power_cycled" })
        : instance;
    case "terminate":
    case "decommission":
      return instance.status === "terminated"
        ? instance
        : transitionInstance(db, origin, instance, "mark_terminated", {
            set: { public_ip: null },
            reason: command === "decommission" ? "decommissioned" : "terminated",
          });
  }
}

async function recordProvisioned(
  db: DbOrTx,
  origin: EventOrigin,
  instance: InstanceRow,
  report: ProviderReport | null,
): Promise<InstanceRow> {
  if (!report || instance.status === "terminated") return instance;
  const [row] = await db
    .update(node_instances)
    .set({
      cloud_instance_id: report.cloud_instance_id,
      ...addresses(report, origin.now),
      version: instance.version + 1,
      updated_at: origin.now,
    })
    .where(and(eq(node_instances.id, instance.id), eq(node_instances.version, instance.version)))
    .returning();
  if (!row) throw new Error(`instance ${instance.id} changed while locked`);
  await emitEvent(db, origin, {
    kind: "instance.provisioned",
    payload: { cloud_instance_id: report.cloud_instance_id, provider_status: report.status },
    subject_type: "node_instance",
    subject_id: row.id,
    node_id: row.node_id,
    node_instance_id: row.id,
  });
  return row;
}

/**
 * The task failed for good (no retry left, or not retryable): an instance still waiting on it goes
 * to error. A machine the provider did create is remembered, so terminate can still find it.
 */
export async function failInstanceCommand(
  db: DbOrTx,
  origin: EventOrigin,
  command: InstanceCommand,
  instance: InstanceRow,
  failure: { error_code: string; cloud_instance_id?: string | null },
): Promise<InstanceRow> {
  if (instance.status !== SETTLES[command] || !transition(instanceMachine, instance.status, "mark_errored").ok) {
    return instance;
  }
  const keep =
    command === "provision" && failure.cloud_instance_id && !instance.cloud_instance_id
      ? { cloud_instance_id: failure.cloud_instance_id }
      : {};
  return transitionInstance(db, origin, instance, "mark_errored", { set: keep, reason: failure.error_code });
}

/** The provider no longer has the machine: any non-final instance is terminated (§2.1 mark_terminated). */
export async function markInstanceGone(db: DbOrTx, origin: EventOrigin, instance: InstanceRow): Promise<InstanceRow> {
  if (instance.status === "terminated") return instance;
  return transitionInstance(db, origin, instance, "mark_terminated", { reason: "provider_not_found" });
}
