// The hash chain of an account's compliance snapshots (spec/autonomy.md §7.2): appending a sealed
// document under the account's advisory lock, and verifying every link and hash.
//
// Append takes `pg_advisory_xact_lock` for the account first, so concurrent snapshots of one account
// queue behind each other: each reads the previous snapshot after the one before it committed, takes
// the next sequence and links to its hash — no collision and no gap. The lock ends with the
// transaction. If the account has an Ed25519 delivery key, the snapshot is signed with it over
// `nodepilot-compliance-snapshot-v1\n<document_hash>` (the prefix keeps a compliance signature from
// ever passing for a delivery statement's); agents and auditors get the public keys from
// /agent/v1/trust and the key id is stored with the signature.
import { createPublicKey, sign, verify } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { compliance_chain_anchors, compliance_snapshots, type Db, type DbOrTx } from "@nodepilot/store";
import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import { findDeliveryKey, listDeliveryKeys } from "../delivery/delivery-keys.ts";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import { canonicalJson } from "../lib/canonical-json.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { type ComplianceDocument, type DocumentBody, documentHashOf, sealDocument, ZERO_HASH } from "./document.ts";

/** Advisory-lock class of compliance chains ("comp"); the key is the account id's hashtext. */
const LOCK_CLASS = 0x636f6d70;
export const COMPLIANCE_SIGNATURE_PREFIX = "nodepilot-compliance-snapshot-v1\n";

const signedBytes = (documentHash: string) => Buffer.from(COMPLIANCE_SIGNATURE_PREFIX + documentHash, "utf8");

/** Serialises every writer of one account's chain (append and retention) until the transaction ends. */
export async function lockChain(tx: DbOrTx, accountId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int4, hashtext(${accountId}::text))`);
}

/** Where the next snapshot goes: after the newest one, else after the newest anchor, else sequence 1. */
async function nextLink(tx: DbOrTx, accountId: string): Promise<{ sequence: number; prev_hash: string }> {
  const [last] = await tx
    .select({ sequence: compliance_snapshots.sequence, document_hash: compliance_snapshots.document_hash })
    .from(compliance_snapshots)
    .where(eq(compliance_snapshots.account_id, accountId))
    .orderBy(desc(compliance_snapshots.sequence))
    .limit(1);
  if (last) return { sequence: last.sequence + 1, prev_hash: last.document_hash };
  const [anchor] = await latestAnchor(tx, accountId);
  return anchor ? { sequence: anchor.sequence, prev_hash: anchor.prev_hash } : { sequence: 1, prev_hash: ZERO_HASH };
}

const latestAnchor = (db: DbOrTx, accountId: string) =>
  db
    .select()
    .from(compliance_chain_anchors)
    .where(eq(compliance_chain_anchors.account_id, accountId))
    .orderBy(desc(compliance_chain_anchors.sequence))
    .limit(1);

export interface AppendInput {
  body: DocumentBody;
  kind: "daily" | "on_demand";
  generatedBy: string;
  /** Opens the account's delivery key; absent, an account that has one cannot be snapshotted. */
  secrets: SecretBox | undefined;
}

export interface AppendedSnapshot {
  id: string;
  sequence: number;
  document_hash: string;
  prev_hash: string;
  signed: boolean;
  document: ComplianceDocument;
}

/** Links, hashes, signs and stores one snapshot, with its `compliance.snapshot_archived` event, in `tx`. */
export async function appendSnapshot(tx: DbOrTx, origin: EventOrigin, input: AppendInput): Promise<AppendedSnapshot> {
  const accountId = origin.principal.accountId;
  await lockChain(tx, accountId);
  const link = await nextLink(tx, accountId);
  const document = sealDocument(input.body, link);
  const hash = document.integrity.document_hash;
  const key = await findDeliveryKey(tx, input.secrets, accountId);
  const signature = key ? sign(null, signedBytes(hash), key.privateKey).toString("base64") : null;
  const [row] = await tx
    .insert(compliance_snapshots)
    .values({
      account_id: accountId,
      sequence: link.sequence,
      kind: input.kind,
      generated_at: new Date(document.metadata.generated_at),
      generated_by: input.generatedBy,
      document: gzipSync(Buffer.from(canonicalJson(document), "utf8")),
      document_hash: hash,
      prev_hash: link.prev_hash,
      signature,
      signature_key_id: key ? key.keyId : null,
      counts: document.counts,
    })
    .returning({ id: compliance_snapshots.id });
  const id = row!.id;
  await emitEvent(tx, origin, {
    kind: "compliance.snapshot_archived",
    severity: "low",
    subject_type: "compliance_snapshot",
    subject_id: id,
    payload: {
      snapshot_id: id,
      sequence: link.sequence,
      kind: input.kind,
      document_hash: hash,
      prev_hash: link.prev_hash,
      signed: signature !== null,
      counts: document.counts,
    },
  });
  return { id, sequence: link.sequence, document_hash: hash, prev_hash: link.prev_hash, signed: !!signature, document };
}

/** The stored document, decompressed and parsed; not validated, so a tampered one can still be read. */
export function decodeDocument(bytes: Buffer): Record<string, unknown> {
  return JSON.parse(gunzipSync(bytes).toString("utf8")) as Record<string, unknown>;
}

export type ChainBreak = "hash_mismatch" | "broken_link" | "gap" | "bad_signature";

export interface ChainVerification {
  valid: boolean;
  checked: number;
  first_bad_sequence?: number;
  reason?: ChainBreak;
}

type SnapshotRow = typeof compliance_snapshots.$inferSelect;

/** Does one stored document hash to its row's document_hash and carry the row's place in the chain? */
function documentMatches(row: SnapshotRow): boolean {
  let doc: Record<string, unknown>;
  try {
    doc = decodeDocument(row.document);
  } catch {
    return false;
  }
  const integrity = doc.integrity as { sequence?: unknown; prev_hash?: unknown; document_hash?: unknown } | undefined;
  if (!integrity || typeof integrity !== "object") return false;
  return (
    integrity.sequence === row.sequence &&
    integrity.prev_hash === row.prev_hash &&
    integrity.document_hash === row.document_hash &&
    documentHashOf({ ...doc, integrity }) === row.document_hash
  );
}

const BATCH = 100;

/**
 * Walks the chain oldest first, in one read-only snapshot, recomputing every hash: a missing
 * sequence is a `gap` (first_bad_sequence is the missing one), a prev_hash that is not the previous
 * document_hash a `broken_link`, a document that does not hash to its row (or does not name its
 * row's sequence and prev_hash) a `hash_mismatch`, a signature its key does not verify a
 * `bad_signature`. The chain starts at sequence 1 from 64 zeros, or at the newest retention anchor.
 */
export async function verifyChain(db: Db, accountId: string): Promise<ChainVerification> {
  return db.transaction(
    async (tx) => {
      const [anchor] = await latestAnchor(tx, accountId);
      const keys = new Map(
        (await listDeliveryKeys(tx, accountId)).map((k) => [k.key_id, createPublicKey(k.public_key_pem)]),
      );
      let expected = anchor ? anchor.sequence : 1;
      let prev = anchor ? anchor.prev_hash : ZERO_HASH;
      let checked = 0;
      const bad = (sequence: number, reason: ChainBreak): ChainVerification => ({
        valid: false,
        checked,
        first_bad_sequence: sequence,
        reason,
      });
      for (;;) {
        const rows = await tx
          .select()
          .from(compliance_snapshots)
          .where(and(eq(compliance_snapshots.account_id, accountId), gt(compliance_snapshots.sequence, expected - 1)))
          .orderBy(asc(compliance_snapshots.sequence))
          .limit(BATCH);
        for (const row of rows) {
          checked++;
          if (row.sequence !== expected) return bad(expected, "gap");
          if (row.prev_hash !== prev) return bad(row.sequence, "broken_link");
          if (!documentMatches(row)) return bad(row.sequence, "hash_mismatch");
          if (row.signature !== null) {
            const key = row.signature_key_id ? keys.get(row.signature_key_id) : undefined;
            const ok =
              key !== undefined &&
              verify(null, signedBytes(row.document_hash), key, Buffer.from(row.signature, "base64"));
            if (!ok) return bad(row.sequence, "bad_signature");
          }
          prev = row.document_hash;
          expected++;
        }
        if (rows.length < BATCH) return { valid: true, checked };
      }
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
