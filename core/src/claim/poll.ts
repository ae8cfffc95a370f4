// One claim poll (spec/agent.md §2, source 8): POST /agent/v1/claim from a box that has a server
// and a CA but no identity. First contact records the box (keyed by dmi_uuid + mac) with a fresh
// claim code; later polls refresh it and answer the same code until an operator claims it. Once
// claimed, the poll hands over a bootstrap token for the bound instance.
//
// Lost replies: the token is minted once and kept sealed until it is consumed, so a re-poll from
// the same box receives that same token, never a second live one. Only when it expired unused is a
// fresh one minted (the old one is dead by then). After enrollment consumed it, polls are refused:
// a box that lost its certificate needs instance.issue_bootstrap_token with purpose reenroll.

import { bootstrap_tokens, type Db, type DbOrTx, newId, node_instances, unclaimed_devices } from "@nodepilot/store";
import { and, count, eq, gt, isNull, notExists } from "drizzle-orm";
import type { ClaimRequest, ClaimResponse } from "../agent-protocol/claim.ts";
import { CLAIM_POLL_SECONDS } from "../agent-protocol/claim.ts";
import type { Principal } from "../auth/principal.ts";
import { issueBootstrapToken } from "../enrollment/bootstrap-tokens.ts";
import { AppError, conflict } from "../errors.ts";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { claimCodeContext, claimTokenContext, hashClaimCode, newClaimCode } from "./claim-code.ts";

/** An unclaimed box is forgotten 24 h after its last poll (spec/domain.md §1.5). */
export const UNCLAIMED_DEVICE_TTL_MS = 24 * 3600_000;
/** Unclaimed boxes one account keeps at most; first contacts beyond it are turned away for a while. */
export const MAX_PENDING_DEVICES = 1000;
const FULL_RETRY_AFTER_SECONDS = 300;
const CODE_ATTEMPTS = 5;

export interface ClaimPollInput {
  /** The account that receives claims on this listener. */
  accountId: string;
  request: ClaimRequest;
  sourceIp: string | null;
  now: Date;
  requestId: string | null;
  /** What pending replies ask for; CLAIM_POLL_SECONDS (30) unless the listener says otherwise. */
  pollAfterSeconds?: number;
}

type DeviceRow = typeof unclaimed_devices.$inferSelect;

function deviceOrigin(accountId: string, actorId: string, input: ClaimPollInput): EventOrigin {
  const principal: Principal = {
    accountId,
    userId: null,
    tokenId: null,
    role: null,
    scopes: [],
    environmentIds: [],
    actorType: "agent",
    actorId,
    kind: "node",
  };
  return { principal, source: "agent", correlationId: input.requestId, now: input.now };
}

const pending = (code: string, input: ClaimPollInput): ClaimResponse => ({
  status: "pending",
  claim_code: code,
  poll_after_seconds: input.pollAfterSeconds ?? CLAIM_POLL_SECONDS,
});

export async function pollClaim(db: Db, secrets: SecretBox, input: ClaimPollInput): Promise<ClaimResponse> {
  // Refusals still commit the poll's bookkeeping (last seen, a cleared secret), then are thrown.
  const outcome = await db.transaction(async (tx) => {
    let row = (await findDevice(tx, input, true)) ?? (await firstContact(tx, secrets, input));
    const r = input.request;
    const [seen] = await tx
      .update(unclaimed_devices)
      .set({
        last_seen_at: input.now,
        expires_at: new Date(input.now.getTime() + UNCLAIMED_DEVICE_TTL_MS),
        discovered_hostname: r.hostname,
        agent_version: r.agent_version,
        architecture: r.architecture,
        ...(r.platform_hint ? { platform_hint: r.platform_hint } : {}),
      })
      .where(eq(unclaimed_devices.id, row.id))
      .returning();
    if (!seen) throw new Error("claim poll: update returned nothing");
    row = seen;
    if (row.claimed_node_instance_id) {
      const delivered = await deliverToken(tx, secrets, row, row.claimed_node_instance_id, input);
      if (delivered !== "released") return delivered;
      row = await release(tx, secrets, row, input);
    } else if (row.bootstrap_token_id || row.bootstrap_token_sealed) {
      // The bound instance was deleted (the reference was set null): the box is unclaimed again.
      row = await release(tx, secrets, row, input);
    }
    return pending(secrets.open(row.claim_code_sealed, claimCodeContext(row.id)), input);
  });
  if (outcome instanceof AppError) throw outcome;
  return outcome;
}

function findDevice(tx: DbOrTx, input: ClaimPollInput, forUpdate: boolean): Promise<DeviceRow | undefined> {
  const q = tx
    .select()
    .from(unclaimed_devices)
    .where(
      and(
        eq(unclaimed_devices.account_id, input.accountId),
        eq(unclaimed_devices.discovered_dmi_uuid, input.request.dmi_uuid),
        eq(unclaimed_devices.discovered_mac, input.request.mac),
      ),
    )
    .limit(1);
  return (forUpdate ? q.for("update") : q).then((rows) => rows[0]);
}

/**
 * Records a new box. Concurrent first polls of one box meet on the hardware unique index: the
 * loser inserts nothing and reads the winner's row. A clash on the claim code (1 in ~6·10¹¹ per
 * pair) also inserts nothing, and finds no row, so a new code is drawn.
 */
async function firstContact(tx: DbOrTx, secrets: SecretBox, input: ClaimPollInput): Promise<DeviceRow> {
  const pendingCount = await tx
    .select({ n: count() })
    .from(unclaimed_devices)
    .where(
      and(
        eq(unclaimed_devices.account_id, input.accountId),
        isNull(unclaimed_devices.claimed_node_instance_id),
        gt(unclaimed_devices.expires_at, input.now),
      ),
    );
  if ((pendingCount[0]?.n ?? 0) >= MAX_PENDING_DEVICES) {
    throw new AppError("rate_limited", `this platform already has ${MAX_PENDING_DEVICES} unclaimed devices`, {
      reason: "too_many_unclaimed_devices",
      details: { retry_after_seconds: FULL_RETRY_AFTER_SECONDS },
    });
  }
  const r = input.request;
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const id = newId();
    const code = newClaimCode();
    const [inserted] = await tx
      .insert(unclaimed_devices)
      .values({
        id,
        account_id: input.accountId,
        claim_code: hashClaimCode(code),
        claim_code_sealed: secrets.seal(code, claimCodeContext(id)),
        discovered_mac: r.mac,
        discovered_dmi_uuid: r.dmi_uuid,
        discovered_hostname: r.hostname,
        platform_hint: r.platform_hint ?? null,
        architecture: r.architecture,
        agent_version: r.agent_version,
        first_seen_at: input.now,
        last_seen_at: input.now,
        expires_at: new Date(input.now.getTime() + UNCLAIMED_DEVICE_TTL_MS),
        created_at: input.now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted) {
      await emitEvent(tx, deviceOrigin(input.accountId, inserted.id, input), {
        kind: "unclaimed_device.discovered",
        payload: {
          mac: r.mac,
          dmi_uuid: r.dmi_uuid,
          hostname: r.hostname,
          architecture: r.architecture,
          agent_version: r.agent_version,
          platform_hint: r.platform_hint ?? null,
          requested_id: r.requested_id ?? null,
          source_ip: input.sourceIp,
        },
        subject_type: "unclaimed_device",
        subject_id: inserted.id,
      });
      return inserted;
    }
    const raced = await findDevice(tx, input, true);
    if (raced) return raced;
  }
  throw new Error(`claim poll: no free claim code after ${CODE_ATTEMPTS} attempts`);
}

async function deliverToken(
  tx: DbOrTx,
  secrets: SecretBox,
  device: DeviceRow,
  instanceId: string,
  input: ClaimPollInput,
): Promise<ClaimResponse | AppError | "released"> {
  const [instance] = await tx
    .select({ id: node_instances.id, node_id: node_instances.node_id, status: node_instances.status })
    .from(node_instances)
    .where(and(eq(node_instances.id, instanceId), eq(node_instances.account_id, device.account_id)))
    .limit(1);
  // A box claimed as an instance that was since terminated is a box asking to be claimed anew.
  if (!instance || instance.status === "terminated") return "released";
  const claimed = (token: string): ClaimResponse => ({
    status: "claimed",
    instance_id: instance.id,
    bootstrap_token: token,
  });
  if (device.bootstrap_token_id) {
    const [token] = await tx
      .select()
      .from(bootstrap_tokens)
      .where(eq(bootstrap_tokens.id, device.bootstrap_token_id))
      .limit(1);
    if (token?.consumed_at) {
      await tx
        .update(unclaimed_devices)
        .set({ bootstrap_token_sealed: null })
        .where(eq(unclaimed_devices.id, device.id));
      return conflict(
        `this device already enrolled as instance ${instance.id}; a lost certificate needs a token from instance.issue_bootstrap_token (purpose reenroll)`,
        { reason: "already_enrolled", current_state: "enrolled", details: { instance_id: instance.id } },
      );
    }
    if (token?.revoked_at) {
      return conflict(
        `the bootstrap token handed to this device was revoked; forget the device (unclaimed_device.delete) and claim it again`,
        { reason: "bootstrap_token_revoked", current_state: "claimed", details: { instance_id: instance.id } },
      );
    }
    // The same live token again: the reply that carried it may have been lost.
    if (token && token.expires_at > input.now && device.bootstrap_token_sealed) {
      return claimed(secrets.open(device.bootstrap_token_sealed, claimTokenContext(device.id)));
    }
  }
  const issued = await issueBootstrapToken(tx, deviceOrigin(device.account_id, instance.id, input), {
    accountId: device.account_id,
    nodeId: instance.node_id,
    instanceId: instance.id,
    purpose: "claim",
    now: input.now,
  });
  await tx
    .update(unclaimed_devices)
    .set({
      bootstrap_token_id: issued.id,
      bootstrap_token_sealed: secrets.seal(issued.plaintext, claimTokenContext(device.id)),
    })
    .where(eq(unclaimed_devices.id, device.id));
  return claimed(issued.plaintext);
}

/** Back to pending under a fresh code: the old one was read by whoever claimed the box before. */
async function release(tx: DbOrTx, secrets: SecretBox, device: DeviceRow, input: ClaimPollInput) {
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const code = newClaimCode();
    const [row] = await tx
      .update(unclaimed_devices)
      .set({
        claim_code: hashClaimCode(code),
        claim_code_sealed: secrets.seal(code, claimCodeContext(device.id)),
        claimed_node_instance_id: null,
        bootstrap_token_id: null,
        bootstrap_token_sealed: null,
      })
      .where(
        and(
          eq(unclaimed_devices.id, device.id),
          notExists(
            tx
              .select({ id: unclaimed_devices.id })
              .from(unclaimed_devices)
              .where(eq(unclaimed_devices.claim_code, hashClaimCode(code))),
          ),
        ),
      )
      .returning();
    if (!row) continue;
    await emitEvent(tx, deviceOrigin(device.account_id, device.id, input), {
      kind: "unclaimed_device.released",
      payload: { previous_instance_id: device.claimed_node_instance_id, reason: "instance_gone" },
      subject_type: "unclaimed_device",
      subject_id: device.id,
    });
    return row;
  }
  throw new Error(`claim poll: no free claim code after ${CODE_ATTEMPTS} attempts`);
}
