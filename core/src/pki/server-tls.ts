// The agent listener's TLS material (spec/agent.md §3): a platform CA that agents trust from
// their identity bundle, and a server certificate for the listener's names signed by it. Both
// keys are sealed in platform_certificates; the server certificate is re-issued when the name
// set changes or it is within 30 days of expiry, and the CA is kept so agents keep trusting it.
import { isIP } from "node:net";
import { type DbOrTx, platform_certificates } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { AppError } from "../errors.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { createCaCertificate } from "./account-ca.ts";
import {
  addDays,
  EC_P256,
  exportPrivateKeyPem,
  generateEcKeyPair,
  importEcSigningKey,
  loadX509,
  randomSerialHex,
} from "./x509.ts";

export const AGENT_SERVER_CA_SUBJECT = "CN=Nodepilot agent listener CA";
const CA_CONTEXT = "platform_certificates.ca_key";
const KEY_CONTEXT = "platform_certificates.key";
const SERVER_DAYS = 365;
const RENEW_WITHIN_DAYS = 30;
const ALWAYS = ["127.0.0.1", "::1", "localhost"];

export interface AgentServerTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The listener's SAN set: the given names plus loopback, lower-cased, de-duplicated, sorted. */
export function agentServerNames(hostnames: readonly string[]): string[] {
  const names = [...hostnames, ...ALWAYS].map((h) => h.trim().toLowerCase()).filter((h) => h.length > 0);
  return [...new Set(names)].sort();
}

type Row = typeof platform_certificates.$inferSelect;

async function issueServerCert(caCertPem: string, caKeyPem: string, names: string[], now: Date) {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(caCertPem);
  const keys = await generateEcKeyPair();
  const notAfter = addDays(now, SERVER_DAYS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: `CN=${names.find((n) => !isIP(n)) ?? "localhost"}`,
    issuer: caCert.subjectName,
    notBefore: now,
    notAfter: new Date(Math.min(notAfter.getTime(), caCert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: await importEcSigningKey(caKeyPem),
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => (isIP(n) ? { type: "ip" as const, value: n } : { type: "dns" as const, value: n })),
        false,
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportPrivateKeyPem(keys.privateKey), notAfter: cert.notAfter };
}

const fits = (row: Row, names: string[], now: Date) =>
  row.subject_alt_names.length === names.length &&
  row.subject_alt_names.every((n, i) => n === names[i]) &&
  row.not_after.getTime() - now.getTime() > RENEW_WITHIN_DAYS * 86_400_000;

// A row sealed under another master key is never replaced: a misconfigured replica would
// otherwise swap the CA every enrolled agent trusts.
function openSealed(secrets: SecretBox, sealed: string, context: string): string {
  try {
    return secrets.open(sealed, context);
  } catch (cause) {
    throw new AppError(
      "internal",
      "the agent listener's stored TLS keys cannot be decrypted with this process's master key (NODEPILOT_MASTER_KEY differs from the one that sealed them)",
      { reason: "master_key_mismatch", cause },
    );
  }
}

const openRow = (secrets: SecretBox, row: Row): AgentServerTls => ({
  caPem: row.ca_cert_pem,
  certPem: row.cert_pem,
  keyPem: openSealed(secrets, row.key_encrypted, KEY_CONTEXT),
});

const readRow = async (db: DbOrTx) =>
  (await db.select().from(platform_certificates).where(eq(platform_certificates.kind, "agent_server")).limit(1))[0];

export async function ensureAgentServerTls(
  db: DbOrTx,
  secrets: SecretBox,
  input: { hostnames: string[]; now: Date },
): Promise<AgentServerTls> {
  const names = agentServerNames(input.hostnames);
  // Several processes may start at once: the first insert wins (kind is unique) and a re-issue
  // is a compare-and-swap on the old certificate, so every process ends up serving the stored one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await readRow(db);
    if (row && fits(row, names, input.now)) return openRow(secrets, row);
    if (!row) {
      const ca = await createCaCertificate(AGENT_SERVER_CA_SUBJECT, input.now, 10);
      const server = await issueServerCert(ca.certPem, ca.keyPem, names, input.now);
      const [inserted] = await db
        .insert(platform_certificates)
        .values({
          kind: "agent_server",
          ca_cert_pem: ca.certPem,
          ca_key_encrypted: secrets.seal(ca.keyPem, CA_CONTEXT),
          cert_pem: server.certPem,
          key_encrypted: secrets.seal(server.keyPem, KEY_CONTEXT),
          subject_alt_names: names,
          not_after: server.notAfter,
          created_at: input.now,
        })
        .onConflictDoNothing({ target: platform_certificates.kind })
        .returning();
      if (inserted) return openRow(secrets, inserted);
      continue;
    }
    const x509 = await loadX509();
    let caPem = row.ca_cert_pem;
    let caKeyPem = openSealed(secrets, row.ca_key_encrypted, CA_CONTEXT);
    // The CA rolls only when it could not cover a fresh server certificate; agents then need
    // the new CA in their identity bundle.
    if (new x509.X509Certificate(caPem).notAfter < addDays(input.now, SERVER_DAYS)) {
      const ca = await createCaCertificate(AGENT_SERVER_CA_SUBJECT, input.now, 10);
      caPem = ca.certPem;
      caKeyPem = ca.keyPem;
    }
    const server = await issueServerCert(caPem, caKeyPem, names, input.now);
    const [updated] = await db
      .update(platform_certificates)
      .set({
        ca_cert_pem: caPem,
        ca_key_encrypted: secrets.seal(caKeyPem, CA_CONTEXT),
        cert_pem: server.certPem,
        key_encrypted: secrets.seal(server.keyPem, KEY_CONTEXT),
        subject_alt_names: names,
        not_after: server.notAfter,
      })
      .where(and(eq(platform_certificates.id, row.id), eq(platform_certificates.cert_pem, row.cert_pem)))
      .returning();
    if (updated) return openRow(secrets, updated);
  }
  throw new Error("the agent listener certificate kept changing underneath; giving up after 3 attempts");
}
