// The per-account certificate authority that signs node client certificates (spec/domain.md §1.5).
// Created on first use; the private key is sealed at rest and only decrypted in memory to sign.
import { certificate_authorities, type DbOrTx } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import type { SecretBox } from "../lib/secret-box.ts";
import { addDays, EC_P256, exportPrivateKeyPem, generateEcKeyPair, loadX509, randomSerialHex } from "./x509.ts";

export const CA_KEY_CONTEXT = "certificate_authorities.key";
const CA_YEARS = 10;

export interface AccountCa {
  id: string;
  certPem: string;
  /** Decrypted PKCS#8 PEM; never persisted or logged in this form. */
  keyPem: string;
  notAfter: Date;
}

export const accountCaSubject = (accountId: string) => `CN=Nodepilot account ${accountId} CA`;

type CaRow = typeof certificate_authorities.$inferSelect;

const open = (secrets: SecretBox, row: CaRow): AccountCa => ({
  id: row.id,
  certPem: row.cert_pem,
  keyPem: secrets.open(row.key_encrypted, CA_KEY_CONTEXT),
  notAfter: row.not_after,
});

async function readCa(db: DbOrTx, accountId: string): Promise<CaRow | undefined> {
  const [row] = await db
    .select()
    .from(certificate_authorities)
    .where(eq(certificate_authorities.account_id, accountId))
    .limit(1);
  return row;
}

/** Self-signed ECDSA P-256 CA certificate and its key (pure, no database). */
export async function createCaCertificate(subject: string, now: Date, years: number) {
  const x509 = await loadX509();
  const keys = await generateEcKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    name: subject,
    keys,
    signingAlgorithm: EC_P256,
    notBefore: now,
    notAfter: addDays(now, Math.round(years * 365.25)),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportPrivateKeyPem(keys.privateKey), notAfter: cert.notAfter };
}

export async function ensureAccountCa(
  db: DbOrTx,
  secrets: SecretBox,
  accountId: string,
  now: Date,
): Promise<AccountCa> {
  const existing = await readCa(db, accountId);
  if (existing) return open(secrets, existing);
  const ca = await createCaCertificate(accountCaSubject(accountId), now, CA_YEARS);
  // account_id is unique: a concurrent first call waits on our row and then does nothing, and
  // whoever lost re-reads the winner's CA, so an account never has two.
  const [inserted] = await db
    .insert(certificate_authorities)
    .values({
      account_id: accountId,
      cert_pem: ca.certPem,
      key_encrypted: secrets.seal(ca.keyPem, CA_KEY_CONTEXT),
      not_after: ca.notAfter,
      created_at: now,
    })
    .onConflictDoNothing({ target: certificate_authorities.account_id })
    .returning();
  const row = inserted ?? (await readCa(db, accountId));
  if (!row) throw new Error(`certificate authority of account ${accountId} vanished after creation`);
  return open(secrets, row);
}
