// Bootstrap tokens: the single-use secret a new machine trades for its client certificate
// (spec/domain.md §1.5). 32 random bytes in base64url, stored only as SHA-256, valid ≤ 1 h.
import { createHash, randomBytes } from "node:crypto";
import { bootstrap_tokens, type DbOrTx, node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { type EventOrigin, emitEvent } from "../events/emit.ts";

export const BOOTSTRAP_TOKEN_MAX_TTL_SECONDS = 3600;
export type BootstrapPurpose = "enroll" | "reenroll" | "claim";

export const hashBootstrapToken = (plaintext: string): string =>
  createHash("sha256").update(plaintext, "utf8").digest("hex");

export interface IssueBootstrapTokenInput {
  accountId: string;
  nodeId: string;
  instanceId: string;
  purpose: BootstrapPurpose;
  ttlSeconds?: number;
  now: Date;
}

export interface IssuedBootstrapToken {
  id: string;
  /** Shown once, to the provider or boot script that delivers it; never stored or logged. */
  plaintext: string;
  expiresAt: Date;
}

export async function issueBootstrapToken(
  db: DbOrTx,
  origin: EventOrigin,
  input: IssueBootstrapTokenInput,
): Promise<IssuedBootstrapToken> {
  if (input.accountId !== origin.principal.accountId) {
    throw new Error("issueBootstrapToken: the token's account differs from the caller's");
  }
  const ttl = input.ttlSeconds ?? BOOTSTRAP_TOKEN_MAX_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > BOOTSTRAP_TOKEN_MAX_TTL_SECONDS) {
    throw invalidInput(`ttl_seconds must be an integer from 1 to ${BOOTSTRAP_TOKEN_MAX_TTL_SECONDS}`, [
      { path: "ttl_seconds", message: `must be 1–${BOOTSTRAP_TOKEN_MAX_TTL_SECONDS}` },
    ]);
  }
  const [instance] = await db
    .select({ id: node_instances.id, node_id: node_instances.node_id, status: node_instances.status })
    .from(node_instances)
    .where(and(eq(node_instances.id, input.instanceId), eq(node_instances.account_id, input.accountId)))
    .limit(1);
  if (!instance) throw notFound("instance", input.instanceId);
  if (instance.node_id !== input.nodeId) {
    throw invalidInput(`instance ${input.instanceId} does not belong to node ${input.nodeId}`, [
      { path: "node_id", message: "is not the instance's node" },
    ]);
  }
  if (instance.status === "terminated") {
    throw conflict(`instance ${input.instanceId} is terminated`, {
      reason: "instance_terminated",
      current_state: "terminated",
    });
  }
  const plaintext = randomBytes(32).toString("base64url");
  const expiresAt = new Date(input.now.getTime() + ttl * 1000);
  const [row] = await db
    .insert(bootstrap_tokens)
    .values({
      account_id: input.accountId,
      node_id: instance.node_id,
      node_instance_id: instance.id,
      intended_subject: instance.id,
      token_hash: hashBootstrapToken(plaintext),
      purpose: input.purpose,
      expires_at: expiresAt,
      created_at: input.now,
    })
    .returning({ id: bootstrap_tokens.id });
  if (!row) throw new Error("bootstrap token insert returned nothing");
  await emitEvent(db, origin, {
    kind: "instance.bootstrap_token_issued",
    payload: { token_id: row.id, purpose: input.purpose, expires_at: expiresAt.toISOString() },
    subject_type: "node_instance",
    subject_id: instance.id,
    node_id: instance.node_id,
    node_instance_id: instance.id,
  });
  return { id: row.id, plaintext, expiresAt };
}
