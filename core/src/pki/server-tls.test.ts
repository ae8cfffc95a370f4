// The agent listener's TLS material: created once, reused while it fits, re-issued under the same
// CA when the names change or expiry is within 30 days, and never duplicated by concurrent starts.
import { randomBytes } from "node:crypto";
import { platform_certificates } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../lib/secret-box.ts";
import { agentServerNames, ensureAgentServerTls } from "./server-tls.ts";
import { createPkiFixture, type PkiFixture } from "./test-fixtures.ts";
import { loadX509 } from "./x509.ts";

// platform_certificates is platform-wide. The embedded database is this file's own, so there the
// first-creation race starts from a clean slate; the shared PostgreSQL test database may be in use
// by other suites at the same time (all with the test master key), so there the row is never
// deleted and only the refusal to clobber it under another key is checked.
const ownDatabase = !process.env.NODEPILOT_TEST_DATABASE_URL;

let f: PkiFixture;
beforeAll(async () => {
  f = await createPkiFixture();
  if (ownDatabase)
    await f.database.db.delete(platform_certificates).where(eq(platform_certificates.kind, "agent_server"));
});
afterAll(async () => {
  await f?.close();
});

async function sans(certPem: string) {
  const x509 = await loadX509();
  const cert = new x509.X509Certificate(certPem);
  return cert
    .getExtension(x509.SubjectAlternativeNameExtension)!
    .names.toJSON()
    .map((n) => `${n.type}:${n.value}`)
    .sort();
}

describe("agentServerNames", () => {
  it("always includes loopback, lower-cased, de-duplicated and sorted", () => {
    expect(agentServerNames(["Agent.Example.com", "localhost", " 10.0.0.5 "])).toEqual([
      "10.0.0.5",
      "127.0.0.1",
      "::1",
      "agent.example.com",
      "localhost",
    ]);
  });
});

describe("ensureAgentServerTls", () => {
  it.runIf(ownDatabase)(
    "creates one CA and server certificate under concurrent first calls, then reuses them",
    async () => {
      const now = new Date();
      const all = await Promise.all(
        Array.from({ length: 4 }, () =>
          ensureAgentServerTls(f.database.db, f.secrets, { hostnames: ["agent.test"], now }),
        ),
      );
      expect(new Set(all.map((a) => a.certPem)).size).toBe(1);
      const tls = all[0]!;
      expect(tls.keyPem).toContain("BEGIN PRIVATE KEY");
      const x509 = await loadX509();
      const cert = new x509.X509Certificate(tls.certPem);
      const ca = new x509.X509Certificate(tls.caPem);
      expect(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
      expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
      expect(await sans(tls.certPem)).toEqual(["dns:agent.test", "dns:localhost", "ip:127.0.0.1", "ip:::1"]);
      const rows = await f.database.db.select().from(platform_certificates);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.key_encrypted).not.toContain("PRIVATE KEY");
      const again = await ensureAgentServerTls(f.database.db, f.secrets, { hostnames: ["AGENT.test"], now });
      expect(again.certPem).toBe(tls.certPem);
    },
  );

  it.runIf(ownDatabase)("re-issues under the same CA when the names change or expiry is within 30 days", async () => {
    const now = new Date();
    const base = await ensureAgentServerTls(f.database.db, f.secrets, { hostnames: ["agent.test"], now });
    const renamed = await ensureAgentServerTls(f.database.db, f.secrets, {
      hostnames: ["agent.test", "10.1.2.3"],
      now,
    });
    expect(renamed.certPem).not.toBe(base.certPem);
    expect(renamed.caPem).toBe(base.caPem);
    expect(await sans(renamed.certPem)).toContain("ip:10.1.2.3");
    const late = new Date(now.getTime() + 340 * 86_400_000);
    const renewed = await ensureAgentServerTls(f.database.db, f.secrets, {
      hostnames: ["agent.test", "10.1.2.3"],
      now: late,
    });
    expect(renewed.certPem).not.toBe(renamed.certPem);
    expect(renewed.caPem).toBe(base.caPem);
    const x509 = await loadX509();
    expect(new x509.X509Certificate(renewed.certPem).notAfter.getTime()).toBeGreaterThan(
      late.getTime() + 300 * 86_400_000,
    );
  });
});

describe.runIf(!ownDatabase)("ensureAgentServerTls on a shared database", () => {
  it("refuses to replace key material sealed under another master key", async () => {
    const now = new Date();
    // Make sure a row exists (sealed by some key), then read it with a key that certainly differs.
    await ensureAgentServerTls(f.database.db, f.secrets, { hostnames: [], now }).catch(() => undefined);
    const [before] = await f.database.db.select().from(platform_certificates);
    const err = await ensureAgentServerTls(f.database.db, new SecretBox(randomBytes(32)), { hostnames: [], now }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "internal", reason: "master_key_mismatch" });
    const [after] = await f.database.db.select().from(platform_certificates);
    expect(after!.ca_cert_pem).toBe(before!.ca_cert_pem);
  });
});
