// Client certificate issuance from real agent-style CSRs: what the server sets, what it refuses
// (each refusal names csr_pem and writes nothing), and supersession of the previous certificate.
import { certificate_authorities, node_certificates } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { ensureAccountCa } from "./account-ca.ts";
import { issueClientCertificate } from "./issue.ts";
import { createPkiFixture, makeCsr, type PkiFixture, tamperedCsr } from "./test-fixtures.ts";
import { loadX509 } from "./x509.ts";

let f: PkiFixture;
beforeAll(async () => {
  f = await createPkiFixture();
});
afterAll(async () => {
  await f?.close();
});

const certCount = async (instanceId: string) =>
  (
    await f.database.db
      .select({ c: count() })
      .from(node_certificates)
      .where(eq(node_certificates.node_instance_id, instanceId))
  )[0]!.c;

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("ensureAccountCa", () => {
  it("creates one ECDSA P-256 CA per account, even under concurrent first calls", async () => {
    const other = await f.newAccount();
    const now = new Date();
    const cas = await Promise.all(
      Array.from({ length: 5 }, () => ensureAccountCa(f.database.db, f.secrets, other.accountId, now)),
    );
    expect(new Set(cas.map((c) => c.id)).size).toBe(1);
    const rows = await f.database.db
      .select()
      .from(certificate_authorities)
      .where(eq(certificate_authorities.account_id, other.accountId));
    expect(rows).toHaveLength(1);
    // The key is sealed at rest and opens only with its context.
    expect(rows[0]!.key_encrypted).not.toContain("PRIVATE KEY");
    expect(cas[0]!.keyPem).toContain("BEGIN PRIVATE KEY");
    const x509 = await loadX509();
    const cert = new x509.X509Certificate(cas[0]!.certPem);
    expect(cert.subject).toBe(`CN=Nodepilot account ${other.accountId} CA`);
    expect(cert.publicKey.algorithm).toMatchObject({ name: "ECDSA", namedCurve: "P-256" });
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    const usages = cert.getExtension(x509.KeyUsagesExtension)!.usages;
    expect(usages & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(usages & x509.KeyUsageFlags.cRLSign).toBeTruthy();
    const years = (cert.notAfter.getTime() - cert.notBefore.getTime()) / (365.25 * 86_400_000);
    expect(Math.round(years)).toBe(10);
  });
});

describe("issueClientCertificate", () => {
  it("issues a 90-day clientAuth certificate for an Ed25519 CSR, with server-set extensions", async () => {
    const instanceId = await f.newInstance();
    const now = new Date();
    const issued = await issueClientCertificate(f.database.db, f.secrets, {
      accountId: f.accountId,
      instanceId,
      csrPem: await makeCsr(instanceId),
      now,
    });
    const x509 = await loadX509();
    const cert = new x509.X509Certificate(issued.certificatePem);
    const ca = new x509.X509Certificate(issued.caChainPem);
    expect(cert.subject).toBe(`CN=${instanceId}`);
    expect(cert.issuer).toBe(ca.subject);
    expect(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
    expect(cert.publicKey.algorithm.name).toBe("Ed25519");
    expect(cert.serialNumber).toMatch(/^[0-9a-f]{32}$/);
    expect(cert.serialNumber).toBe(issued.serial);
    expect(Math.round((cert.notAfter.getTime() - now.getTime()) / 86_400_000)).toBe(90);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(cert.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON();
    expect(san).toEqual([{ type: "url", value: `urn:nodepilot:instance:${instanceId}` }]);

    const [row] = await f.database.db
      .select()
      .from(node_certificates)
      .where(eq(node_certificates.id, issued.certificateId));
    expect(row).toMatchObject({
      status: "active",
      subject: `CN=${instanceId}`,
      subject_kind: "instance",
      node_instance_id: instanceId,
      account_id: f.accountId,
    });
    expect(row!.public_key_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.pem_chain.startsWith(issued.certificatePem)).toBe(true);
  });

  it("supersedes the previous active certificate of the instance", async () => {
    const instanceId = await f.newInstance();
    const now = new Date();
    const issue = async () =>
      issueClientCertificate(f.database.db, f.secrets, {
        accountId: f.accountId,
        instanceId,
        csrPem: await makeCsr(instanceId),
        now,
      });
    const first = await issue();
    const second = await issue();
    const rows = await f.database.db
      .select({ id: node_certificates.id, status: node_certificates.status })
      .from(node_certificates)
      .where(eq(node_certificates.node_instance_id, instanceId));
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [first.certificateId]: "superseded",
      [second.certificateId]: "active",
    });
  });

  const refusals: [string, (id: string) => Promise<string>, RegExp][] = [
    ["an RSA key", (id) => makeCsr(id, { key: "rsa" }), /Ed25519/],
    ["a P-256 key", (id) => makeCsr(id, { key: "p256" }), /Ed25519/],
    ["a wrong CN", () => makeCsr("someone-else"), /CN must be the instance id/],
    ["extra subject attributes", (id) => makeCsr(id, { name: `CN=${id}, O=Evil` }), /exactly one CN/],
    [
      "requested extensions",
      (id) => makeCsr(id, { extensions: (x) => [new x.BasicConstraintsExtension(true, undefined, true)] }),
      /must not request extensions/,
    ],
    ["a bad self-signature", (id) => tamperedCsr(id), /self-signature/],
    ["garbage", async () => "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----", /parsable/],
    ["not PEM", async () => "hello", /PEM-encoded/],
  ];
  it.each(refusals)("refuses %s as invalid_input naming csr_pem, writing nothing", async (_, csr, message) => {
    const instanceId = await f.newInstance();
    const err = await refusal(
      issueClientCertificate(f.database.db, f.secrets, {
        accountId: f.accountId,
        instanceId,
        csrPem: await csr(instanceId),
        now: new Date(),
      }),
    );
    expect(err.code).toBe("invalid_input");
    expect(err.errors?.[0]?.path).toBe("csr_pem");
    expect(err.message).toMatch(message);
    expect(await certCount(instanceId)).toBe(0);
  });

  it("refuses an instance of another account as not_found", async () => {
    const other = await f.newAccount();
    const err = await refusal(
      issueClientCertificate(f.database.db, f.secrets, {
        accountId: f.accountId,
        instanceId: other.instanceId,
        csrPem: await makeCsr(other.instanceId),
        now: new Date(),
      }),
    );
    expect(err.code).toBe("not_found");
    const rows = await f.database.db
      .select({ c: count() })
      .from(node_certificates)
      .where(and(eq(node_certificates.node_instance_id, other.instanceId)));
    expect(rows[0]!.c).toBe(0);
  });
});
