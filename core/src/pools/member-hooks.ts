// Pool-member reactions to instance lifecycle facts: the first heartbeat makes a warming member
// ready, termination removes it (spec/domain.md §2.3). Called inside the caller's transaction so the
// member transition and its fleet event commit with the instance change that caused them.

import { type DbOrTx, instance_pool_members } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { EventOrigin } from "../events/emit.ts";
import { transitionMember } from "./member-transition.ts";
import type { MemberRow } from "./pool-schema.ts";

async function lockMemberOf(db: DbOrTx, origin: EventOrigin, instanceId: string): Promise<MemberRow | undefined> {
  const rows = await db
    .select()
    .from(instance_pool_members)
    .where(
      and(
        eq(instance_pool_members.node_instance_id, instanceId),
        eq(instance_pool_members.account_id, origin.principal.accountId),
      ),
    )
    .limit(1)
    .for("update");
  return rows[0];
}

/** A warming member whose instance has just sent its first heartbeat becomes ready; others are left alone. */
export async function onInstanceFirstHeartbeat(db: DbOrTx, origin: EventOrigin, instanceId: string): Promise<void> {
  const member = await lockMemberOf(db, origin, instanceId);
  if (member?.state !== "warming") return;
  await transitionMember(db, origin, member, "mark_ready", {
    kind: "pool.member_ready",
    set: { ready_at: origin.now },
  });
}

/** The member of a terminated instance is removed, whatever live state it was in. */
export async function onInstanceTerminated(db: DbOrTx, origin: EventOrigin, instanceId: string): Promise<void> {
  const member = await lockMemberOf(db, origin, instanceId);
  if (!member || member.state === "removed") return;
  // The claim ends with the machine; a stale expiry must not trip the claim sweeper later.
  await transitionMember(db, origin, member, "mark_removed", {
    kind: "pool.member_removed",
    set: { claim_expires_at: null },
  });
}
