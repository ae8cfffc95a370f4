// Issues a node's mTLS client certificate from its CSR under the account CA (spec/agent.md §4, §7).
// The caller's transaction also holds the enrollment or rotation event; this only writes the
// certificate rows: the previous active certificate becomes superseded, the new one active.
import { type DbOrTx, node_certificates, node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { invalidInput, notFound } from "../errors.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { ensureAccountCa } from "./account-ca.ts";
import { type CheckedCsr, checkCsr } from "./csr.ts";
import { addDays, EC_P256, importEcSigningKey, loadX509, randomSerialHex, sha256HexOf } from "./x509.ts";

export const CLIENT_CERT_DAYS = 90;

export const instanceSan = (instanceId: string) => `urn:nodepilot:instance:${instanceId}`;
export const instanceSubject = (instanceId: string) => `CN=${instanceId}`;

export interface IssueClientCertificateInput {
  accountId: string;
  instanceId: string;
  /** PEM text, or a CSR already checked by checkCsr (enrollment checks before it writes). */
  csrPem: string | CheckedCsr;
  now: Date;
  days?: number;
}

export interface IssuedCertificate {
  certificatePem: string;
  caChainPem: string;
  certificateId: string;
  serial: string;
  notAfter: Date;
  subject: string;
}

export async function issueClientCertificate(
  db: DbOrTx,
  secrets: SecretBox,
  input: IssueClientCertificateInput,
): Promise<IssuedCertificate> {
  const checked = typeof input.csrPem === "string" ? await checkCsr(input.csrPem) : input.csrPem;
  if (checked.commonName !== input.instanceId) {
    throw invalidInput(`csr_pem: the CN must be the instance id ${input.instanceId}`, [
      { path: "csr_pem", message: `the CN must be the instance id ${input.instanceId}` },
    ]);
  }
  // Issuance per instance is serialised on the instance row (lock order: instance first), so
  // two concurrent issues cannot both find "no active certificate" and collide on the index.
  const [instance] = await db
    .select({ id: node_instances.id })
    .from(node_instances)
    .where(and(eq(node_instances.id, input.instanceId), eq(node_instances.account_id, input.accountId)))
    .for("update");
  if (!instance) throw notFound("instance", input.instanceId);

  const x509 = await loadX509();
  const ca = await ensureAccountCa(db, secrets, input.accountId, input.now);
  const caCert = new x509.X509Certificate(ca.certPem);
  const notAfter = addDays(input.now, input.days ?? CLIENT_CERT_DAYS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: instanceSubject(input.instanceId),
    issuer: caCert.subjectName,
    notBefore: input.now,
    notAfter: new Date(Math.min(notAfter.getTime(), ca.notAfter.getTime())),
    publicKey: checked.csr.publicKey,
    signingKey: await importEcSigningKey(ca.keyPem),
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: instanceSan(input.instanceId) }], false),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  const certificatePem = cert.toString("pem");

  await db
    .update(node_certificates)
    .set({ status: "superseded" })
    .where(and(eq(node_certificates.node_instance_id, input.instanceId), eq(node_certificates.status, "active")));
  const [row] = await db
    .insert(node_certificates)
    .values({
      account_id: input.accountId,
      serial: cert.serialNumber.toLowerCase(),
      subject: cert.subject,
      issuer_subject: cert.issuer,
      subject_kind: "instance",
      node_instance_id: input.instanceId,
      not_before: cert.notBefore,
      not_after: cert.notAfter,
      pem_chain: `${certificatePem}\n${ca.certPem}`,
      public_key_sha256: sha256HexOf(cert.publicKey.rawData),
      status: "active",
      created_at: input.now,
    })
    .returning({ id: node_certificates.id, serial: node_certificates.serial });
  if (!row) throw new Error("node certificate insert returned nothing");
  return {
    certificatePem,
    caChainPem: ca.certPem,
    certificateId: row.id,
    serial: row.serial,
    notAfter: cert.notAfter,
    subject: cert.subject,
  };
}
