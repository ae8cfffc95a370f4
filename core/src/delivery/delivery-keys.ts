// Account delivery keys (spec/domain.md §3.9, agent.md §8 check 3): an Ed25519 key per account,
// created on first use, whose private half is sealed with the master key and opened only in
// memory to sign delivery statements. Keys are append-only; agents learn them from /agent/v1/trust.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { type DbOrTx, delivery_keys } from "@nodepilot/store";
import { and, asc, eq, isNull } from "drizzle-orm";
import { type DeliveryStatement, deliveryStatementBytes } from "../agent-protocol/delivery.ts";
import { systemPrincipal } from "../auth/principal.ts";
import { AppError } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import type { SecretBox } from "../lib/secret-box.ts";

export const DELIVERY_KEY_CONTEXT = "delivery_keys.private_key";

export interface DeliveryKey {
  keyId: string;
  publicKeyPem: string;
  /** Decrypted; never persisted or logged in this form. */
  privateKey: KeyObject;
}

/** `sha256:<hex>` of the key's SPKI DER: an agent can recompute it from the PEM it is given. */
export function deliveryKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(der).digest("hex")}`;
}

type KeyRow = typeof delivery_keys.$inferSelect;

const open = (secrets: SecretBox, row: KeyRow): DeliveryKey => ({
  keyId: row.key_id,
  publicKeyPem: row.public_key_pem,
  privateKey: createPrivateKey(secrets.open(row.private_key_encrypted, DELIVERY_KEY_CONTEXT)),
});

async function activeKey(db: DbOrTx, accountId: string): Promise<KeyRow | undefined> {
  const [row] = await db
    .select()
    .from(delivery_keys)
    .where(and(eq(delivery_keys.account_id, accountId), isNull(delivery_keys.revoked_at)))
    .limit(1);
  return row;
}

/**
 * The account's active delivery key if it has one; never creates one. Opening it needs the master
 * key: a process without it gets `unavailable` naming NODEPILOT_MASTER_KEY rather than a silent skip.
 */
export async function findDeliveryKey(
  db: DbOrTx,
  secrets: SecretBox | undefined,
  accountId: string,
): Promise<DeliveryKey | undefined> {
  const row = await activeKey(db, accountId);
  if (!row) return undefined;
  if (!secrets) {
    throw new AppError(
      "unavailable",
      `account ${accountId} has delivery key ${row.key_id}; signing with it needs the master key (NODEPILOT_MASTER_KEY), which this process was not given`,
      { reason: "master_key_missing" },
    );
  }
  return open(secrets, row);
}

/** The account's active delivery key, creating (and announcing) it on first use. */
export async function ensureDeliveryKey(
  db: DbOrTx,
  secrets: SecretBox,
  accountId: string,
  now: Date,
): Promise<DeliveryKey> {
  const existing = await activeKey(db, accountId);
  if (existing) return open(secrets, existing);
  const row = await db.transaction(async (tx) => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const keyId = deliveryKeyId(publicKeyPem);
    // One active key per account (partial unique index): a concurrent first use waits on ours and
    // then inserts nothing, and re-reads the winner's key.
    const [inserted] = await tx
      .insert(delivery_keys)
      .values({
        account_id: accountId,
        key_id: keyId,
        public_key_pem: publicKeyPem,
        private_key_encrypted: secrets.seal(
          privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
          DELIVERY_KEY_CONTEXT,
        ),
        created_at: now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted) {
      await emitEvent(
        tx,
        { principal: systemPrincipal(accountId, []), source: "system", correlationId: null, now },
        {
          kind: "delivery_key.created",
          payload: { key_id: keyId },
          subject_type: "delivery_key",
          subject_id: inserted.id,
        },
      );
    }
    return inserted ?? (await activeKey(tx, accountId));
  });
  if (!row) throw new Error(`the delivery key of account ${accountId} vanished after creation`);
  return open(secrets, row);
}

/** Every delivery key of the account, oldest first, revoked ones flagged (agents must refuse those). */
export async function listDeliveryKeys(
  db: DbOrTx,
  accountId: string,
): Promise<{ key_id: string; public_key_pem: string; revoked: boolean }[]> {
  const rows = await db
    .select()
    .from(delivery_keys)
    .where(eq(delivery_keys.account_id, accountId))
    .orderBy(asc(delivery_keys.created_at), asc(delivery_keys.key_id));
  return rows.map((r) => ({ key_id: r.key_id, public_key_pem: r.public_key_pem, revoked: r.revoked_at !== null }));
}

/** base64 Ed25519 signature of the statement's bytes; deterministic, so an unchanged set signs the same. */
export function signDeliveryStatement(key: DeliveryKey, statement: DeliveryStatement): string {
  return sign(null, deliveryStatementBytes(statement), key.privateKey).toString("base64");
}
