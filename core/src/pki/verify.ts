// Checks a presented client certificate against what we issued (spec/agent.md §3, §4, §7), and
// revokes certificates. A certificate is accepted only if its serial is ours, the stored PEM is
// byte-identical, the account CA signed it, it is inside its validity window, and it is active
// (or superseded less than 24 h ago, so an agent mid-rotation is not cut off).
import { certificate_authorities, type DbOrTx, node_certificates } from "@nodepilot/store";
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { AppError, notFound } from "../errors.ts";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import { certificateDer, loadX509 } from "./x509.ts";

export const SUPERSEDED_GRACE_MS = 24 * 3600_000;

export type CertificateRejection =
  | "malformed"
  | "unknown_serial"
  | "not_issued_here"
  | "wrong_issuer"
  | "bad_signature"
  | "not_yet_valid"
  | "expired"
  | "revoked"
  | "superseded";

export const certificateRejected = (cause: CertificateRejection) =>
  new AppError("unauthenticated", "the client certificate was rejected", {
    reason: "certificate_rejected",
    details: { cause },
  });

export interface VerifiedClient {
  accountId: string;
  instanceId: string;
  certificateId: string;
  notAfter: Date;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

export async function verifyClientCertificate(
  db: DbOrTx,
  certDerOrPem: Buffer | string,
  now: Date,
): Promise<VerifiedClient> {
  const x509 = await loadX509();
  let der: Uint8Array;
  let cert: InstanceType<typeof x509.X509Certificate>;
  try {
    der = await certificateDer(certDerOrPem);
    cert = new x509.X509Certificate(der);
  } catch {
    throw certificateRejected("malformed");
  }
  const [row] = await db
    .select()
    .from(node_certificates)
    .where(eq(node_certificates.serial, cert.serialNumber.toLowerCase()))
    .limit(1);
  if (row?.subject_kind !== "instance" || !row.node_instance_id) throw certificateRejected("unknown_serial");
  // A look-alike with our serial but other bytes (another CA, a forged copy) is not ours.
  if (!sameBytes(await certificateDer(row.pem_chain), der)) throw certificateRejected("not_issued_here");

  const [ca] = await db
    .select({ cert_pem: certificate_authorities.cert_pem })
    .from(certificate_authorities)
    .where(eq(certificate_authorities.account_id, row.account_id))
    .limit(1);
  if (!ca) throw certificateRejected("wrong_issuer");
  const caCert = new x509.X509Certificate(ca.cert_pem);
  if (cert.issuer !== caCert.subject) throw certificateRejected("wrong_issuer");
  const signed = await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true }).catch(() => false);
  if (!signed) throw certificateRejected("bad_signature");

  if (now < cert.notBefore) throw certificateRejected("not_yet_valid");
  if (now > cert.notAfter || row.status === "expired") throw certificateRejected("expired");
  if (row.status === "revoked") {
    // Terminating an instance revokes its certificate; its agent must learn that the instance is
    // gone (409, stop all loops: agent.md §5), not retry a 401 forever.
    if (row.revocation_reason === "instance_terminated") {
      throw new AppError("conflict", `instance ${row.node_instance_id} is terminated`, {
        reason: "instance_terminated",
        current_state: "terminated",
      });
    }
    throw certificateRejected("revoked");
  }
  if (row.status === "superseded") {
    const replacedAt = await replacementIssuedAt(db, row.node_instance_id, row.not_before, row.id);
    if (!replacedAt || now.getTime() - replacedAt.getTime() >= SUPERSEDED_GRACE_MS) {
      throw certificateRejected("superseded");
    }
  }
  return {
    accountId: row.account_id,
    instanceId: row.node_instance_id,
    certificateId: row.id,
    notAfter: row.not_after,
  };
}

/** When the certificate that replaced this one was issued: the instance's next certificate. */
async function replacementIssuedAt(db: DbOrTx, instanceId: string, notBefore: Date, id: string) {
  const [next] = await db
    .select({ not_before: node_certificates.not_before })
    .from(node_certificates)
    .where(
      and(
        eq(node_certificates.node_instance_id, instanceId),
        sql`(${node_certificates.not_before}, ${node_certificates.id}) > (${notBefore}::timestamptz, ${id}::uuid)`,
      ),
    )
    .orderBy(asc(node_certificates.not_before), asc(node_certificates.id))
    .limit(1);
  return next?.not_before;
}

export interface RevokeCertificateInput {
  certificateId: string;
  reason: string;
  now: Date;
}

export interface RevokedCertificate {
  certificateId: string;
  serial: string;
  revokedAt: Date;
  /** False when it was already revoked; nothing was written then. */
  changed: boolean;
}

/** Revokes one certificate of the origin's account and emits `certificate.revoked`; idempotent. */
export async function revokeCertificate(
  db: DbOrTx,
  origin: EventOrigin,
  input: RevokeCertificateInput,
): Promise<RevokedCertificate> {
  const accountId = origin.principal.accountId;
  const [row] = await db
    .update(node_certificates)
    .set({ status: "revoked", revoked_at: input.now, revocation_reason: input.reason })
    .where(
      and(
        eq(node_certificates.id, input.certificateId),
        eq(node_certificates.account_id, accountId),
        inArray(node_certificates.status, ["active", "superseded", "expired"]),
      ),
    )
    .returning();
  if (!row) {
    const [current] = await db
      .select()
      .from(node_certificates)
      .where(and(eq(node_certificates.id, input.certificateId), eq(node_certificates.account_id, accountId)))
      .limit(1);
    if (!current) throw notFound("certificate", input.certificateId);
    return {
      certificateId: current.id,
      serial: current.serial,
      revokedAt: current.revoked_at ?? input.now,
      changed: false,
    };
  }
  await db
    .update(certificate_authorities)
    .set({ crl_number: sql`${certificate_authorities.crl_number} + 1` })
    .where(eq(certificate_authorities.account_id, accountId));
  await emitEvent(db, origin, {
    kind: "certificate.revoked",
    severity: "medium",
    payload: { serial: row.serial, reason: input.reason },
    subject_type: "node_certificate",
    subject_id: row.id,
    certificate_id: row.id,
    node_instance_id: row.node_instance_id,
  });
  return { certificateId: row.id, serial: row.serial, revokedAt: input.now, changed: true };
}

export interface CrlEntry {
  serial: string;
  revoked_at: string;
  reason: string | null;
}

export interface AccountCrl {
  crl_number: number;
  issuer: string | null;
  entries: CrlEntry[];
}

/**
 * The account's revocation list as JSON: revoked certificates that have not yet expired (an
 * expired certificate is refused anyway, so listing it forever only grows the list).
 */
export async function crlFor(db: DbOrTx, accountId: string, now: Date = new Date()): Promise<AccountCrl> {
  const [ca] = await db
    .select({ crl_number: certificate_authorities.crl_number, cert_pem: certificate_authorities.cert_pem })
    .from(certificate_authorities)
    .where(eq(certificate_authorities.account_id, accountId))
    .limit(1);
  const rows = await db
    .select({
      serial: node_certificates.serial,
      revoked_at: node_certificates.revoked_at,
      reason: node_certificates.revocation_reason,
    })
    .from(node_certificates)
    .where(
      and(
        eq(node_certificates.account_id, accountId),
        eq(node_certificates.status, "revoked"),
        gt(node_certificates.not_after, now),
      ),
    )
    .orderBy(asc(node_certificates.serial));
  const x509 = ca ? await loadX509() : undefined;
  return {
    crl_number: ca?.crl_number ?? 0,
    issuer: ca && x509 ? new x509.X509Certificate(ca.cert_pem).subject : null,
    entries: rows.map((r) => ({
      serial: r.serial,
      revoked_at: (r.revoked_at ?? now).toISOString(),
      reason: r.reason,
    })),
  };
}
