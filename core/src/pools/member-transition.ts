// Persists one pool-member transition (spec/domain.md §2.3): the pure machine decides, the row moves
// with optimistic concurrency, and its fleet event commits in the same transaction.
import { type DbOrTx, instance_pool_members } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { conflict } from "../errors.ts";
import { type EventOrigin, emitEvent, type Severity } from "../events/emit.ts";
import { mustTransition } from "../machines/machine.ts";
import { type MemberEvent, type MemberState, poolMemberMachine } from "../machines/pool-member-machine.ts";
import type { MemberRow } from "./pool-schema.ts";

export interface MemberTransitionOptions {
  /** The fleet event kind, e.g. `pool.member_ready`. */
  kind: string;
  severity?: Severity;
  set?: Partial<Omit<MemberRow, "id" | "account_id" | "state" | "version">>;
  payload?: Record<string, unknown>;
}

export async function transitionMember(
  db: DbOrTx,
  origin: EventOrigin,
  member: MemberRow,
  event: MemberEvent,
  opts: MemberTransitionOptions,
): Promise<MemberRow> {
  const step = mustTransition(poolMemberMachine, member.state as MemberState, event, `pool member ${member.id}`);
  const [row] = await db
    .update(instance_pool_members)
    .set({ ...opts.set, state: step.to, version: member.version + 1, updated_at: origin.now })
    .where(and(eq(instance_pool_members.id, member.id), eq(instance_pool_members.version, member.version)))
    .returning();
  if (!row) {
    throw conflict(`pool member ${member.id} changed while ${event} was being applied`, {
      reason: "concurrent_update",
      current_state: member.state,
    });
  }
  await emitEvent(db, origin, {
    kind: opts.kind,
    ...(opts.severity ? { severity: opts.severity } : {}),
    payload: { member_id: row.id, from: step.from, to: step.to, event, ...opts.payload },
    subject_type: "instance_pool_member",
    subject_id: row.id,
    node_instance_id: row.node_instance_id,
    instance_pool_id: row.instance_pool_id,
  });
  return row;
}
