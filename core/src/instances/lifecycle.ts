// Persists node_instance transitions (spec/domain.md §2.1): the pure machine decides, the row moves
// with optimistic concurrency (`WHERE id AND version`), and one `instance.transitioned` fleet event
// commits with it. Entering `terminated` also tears down identity, queued work and pool membership.
import {
  bootstrap_tokens,
  type DbOrTx,
  instance_pool_members,
  node_certificates,
  node_instances,
  tasks,
} from "@nodepilot/store";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { conflict, notFound } from "../errors.ts";
import { type EventOrigin, emitEvent, type Severity } from "../events/emit.ts";
import { HOLD_BLOCKS, type InstanceEvent, type InstanceState, instanceMachine } from "../machines/instance-machine.ts";
import { mustTransition, transition } from "../machines/machine.ts";
import { onInstanceTerminated } from "../pools/member-hooks.ts";
import { cancelSubjectTasks } from "../tasks/cancel.ts";
import type { InstanceRow } from "./instance-schema.ts";

export interface TransitionOptions {
  /** Columns written together with the status (addresses, cloud id, cordon). */
  set?: Partial<Omit<InstanceRow, "id" | "account_id" | "status" | "version">>;
  /** Why the instance moved; stored as status_reason and carried in the event. */
  reason?: string;
}

const SEVERITY: Partial<Record<InstanceState, Severity>> = { error: "high", terminated: "medium" };

/** Refuses events a hold blocks (start, reboot, terminate), naming who holds it and why. */
export function assertNotHeld(instance: InstanceRow, event: InstanceEvent): void {
  if (instance.hold && HOLD_BLOCKS.includes(event)) {
    throw conflict(`instance ${instance.name} is on hold (${instance.hold.reason}); release the hold first`, {
      reason: "held",
      current_state: instance.status,
      details: { event, hold: instance.hold },
    });
  }
}

export async function transitionInstance(
  db: DbOrTx,
  origin: EventOrigin,
  instance: InstanceRow,
  event: InstanceEvent,
  opts: TransitionOptions = {},
): Promise<InstanceRow> {
  assertNotHeld(instance, event);
  const step = mustTransition(instanceMachine, instance.status, event, `instance ${instance.name}`);
  const [row] = await db
    .update(node_instances)
    .set({
      ...opts.set,
      status: step.to,
      status_changed_at: origin.now,
      status_reason: opts.reason ?? null,
      version: instance.version + 1,
      updated_at: origin.now,
    })
    .where(
      and(
        eq(node_instances.id, instance.id),
        eq(node_instances.account_id, instance.account_id),
        eq(node_instances.version, instance.version),
      ),
    )
    .returning();
  if (!row) throw await lostRace(db, instance, event);
  const terminal = step.to === "terminated";
  // Rows that termination touches are locked before the first fleet event takes the account's
  // sequence lock: task holders and pool operations lock their row first, then the sequence.
  if (terminal) await lockForTermination(db, row);
  await emitEvent(db, origin, {
    kind: "instance.transitioned",
    severity: SEVERITY[step.to] ?? "low",
    payload: { from: step.from, to: step.to, event, reason: opts.reason ?? null },
    subject_type: "node_instance",
    subject_id: row.id,
    node_id: row.node_id,
    node_instance_id: row.id,
  });
  if (terminal) await onTerminated(db, origin, row);
  return row;
}

/** The loser of a version race: read what won, and say whether the event still makes sense. */
async function lostRace(db: DbOrTx, instance: InstanceRow, event: InstanceEvent) {
  const [current] = await db
    .select({ status: node_instances.status, version: node_instances.version })
    .from(node_instances)
    .where(eq(node_instances.id, instance.id))
    .limit(1);
  if (!current) return notFound("instance", instance.id);
  const still = transition(instanceMachine, current.status, event);
  return conflict(`instance ${instance.name} changed while ${event} was being applied (now ${current.status})`, {
    reason: still.ok ? "concurrent_update" : "invalid_transition",
    current_state: current.status,
    details: { event, current_version: current.version, ...(still.ok ? {} : { allowed_events: still.allowed_events }) },
  });
}

async function lockForTermination(db: DbOrTx, instance: InstanceRow): Promise<void> {
  await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(
        eq(tasks.subject_type, "node_instance"),
        eq(tasks.subject_id, instance.id),
        inArray(tasks.status, ["pending", "leased"]),
      ),
    )
    .orderBy(tasks.id)
    .for("update");
  await lockPoolMember(db, instance.id);
}

/** Locks the instance's pool member row, if it has one (see lockForTermination for why). */
export async function lockPoolMember(db: DbOrTx, instanceId: string): Promise<void> {
  await db
    .select({ id: instance_pool_members.id })
    .from(instance_pool_members)
    .where(eq(instance_pool_members.node_instance_id, instanceId))
    .for("update");
}

// §2.1 "Entering terminated": one transaction with the transition. The node is kept.
async function onTerminated(db: DbOrTx, origin: EventOrigin, instance: InstanceRow): Promise<void> {
  await db
    .update(node_certificates)
    .set({ status: "revoked", revoked_at: origin.now, revocation_reason: "instance_terminated" })
    .where(and(eq(node_certificates.node_instance_id, instance.id), eq(node_certificates.status, "active")));
  await db
    .update(bootstrap_tokens)
    .set({ revoked_at: origin.now })
    .where(
      and(
        eq(bootstrap_tokens.node_instance_id, instance.id),
        isNull(bootstrap_tokens.consumed_at),
        isNull(bootstrap_tokens.revoked_at),
      ),
    );
  await cancelSubjectTasks(db, origin, {
    subjectType: "node_instance",
    subjectId: instance.id,
    reason: "subject_terminated",
    now: origin.now,
  });
  await onInstanceTerminated(db, origin, instance.id);
}
