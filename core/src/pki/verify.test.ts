// Client certificate verification as the agent listener does it: good, look-alike from another
// CA, revoked, expired, superseded within and past the 24 h grace; revocation and the CRL.
import { fleet_events, node_certificates } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { issueClientCertificate } from "./issue.ts";
import { createPkiFixture, foreignCertificate, makeCsr, type PkiFixture } from "./test-fixtures.ts";
import { crlFor, revokeCertificate, verifyClientCertificate } from "./verify.ts";
import { loadX509 } from "./x509.ts";

let f: PkiFixture;
beforeAll(async () => {
  f = await createPkiFixture();
});
afterAll(async () => {
  await f?.close();
});

const HOUR = 3600_000;

async function issue(instanceId: string, now: Date, days?: number) {
  return issueClientCertificate(f.database.db, f.secrets, {
    accountId: f.accountId,
    instanceId,
    csrPem: await makeCsr(instanceId),
    now,
    ...(days ? { days } : {}),
  });
}

async function rejection(cert: Buffer | string, now: Date): Promise<unknown> {
  const err = await verifyClientCertificate(f.database.db, cert, now).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const e = err as AppError;
  expect(e.code).toBe("unauthenticated");
  expect(e.reason).toBe("certificate_rejected");
  return e.details?.cause;
}

describe("verifyClientCertificate", () => {
  it("accepts a certificate we issued, as PEM or DER", async () => {
    const instanceId = await f.newInstance();
    const now = new Date();
    const issued = await issue(instanceId, now);
    const expected = {
      accountId: f.accountId,
      instanceId,
      certificateId: issued.certificateId,
      notAfter: issued.notAfter,
    };
    expect(await verifyClientCertificate(f.database.db, issued.certificatePem, now)).toEqual(expected);
    const x509 = await loadX509();
    const der = Buffer.from(x509.PemConverter.decodeFirst(issued.certificatePem));
    expect(await verifyClientCertificate(f.database.db, der, new Date(now.getTime() + HOUR))).toEqual(expected);
  });

  it("refuses a look-alike with our serial from another CA, and unknown serials", async () => {
    const instanceId = await f.newInstance();
    const now = new Date();
    const issued = await issue(instanceId, now);
    expect(await rejection(await foreignCertificate(instanceId, issued.serial, now), now)).toBe("not_issued_here");
    expect(await rejection(await foreignCertificate(instanceId, "0badc0ffee", now), now)).toBe("unknown_serial");
    expect(await rejection(Buffer.from("not a certificate"), now)).toBe("malformed");
  });

  it("refuses a revoked certificate, and revocation emits one certificate.revoked event", async () => {
    const instanceId = await f.newInstance();
    const now = new Date();
    const issued = await issue(instanceId, now);
    const revoked = await f.database.db.transaction((tx) =>
      revokeCertificate(tx, f.origin(now), { certificateId: issued.certificateId, reason: "key_compromise", now }),
    );
    expect(revoked).toMatchObject({ certificateId: issued.certificateId, changed: true });
    expect(await rejection(issued.certificatePem, now)).toBe("revoked");
    // Revoking again changes nothing and writes no second event.
    const again = await revokeCertificate(f.database.db, f.origin(now), {
      certificateId: issued.certificateId,
      reason: "again",
      now,
    });
    expect(again.changed).toBe(false);
    const events = await f.database.db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, f.accountId), eq(fleet_events.certificate_id, issued.certificateId)));
    expect(events.map((e) => e.kind)).toEqual(["certificate.revoked"]);
    expect(events[0]!.payload).toMatchObject({ serial: issued.serial, reason: "key_compromise" });
    const [row] = await f.database.db
      .select()
      .from(node_certificates)
      .where(eq(node_certificates.id, issued.certificateId));
    expect(row).toMatchObject({ status: "revoked", revocation_reason: "key_compromise" });

    const crl = await crlFor(f.database.db, f.accountId, now);
    expect(crl.entries).toContainEqual({
      serial: issued.serial,
      revoked_at: now.toISOString(),
      reason: "key_compromise",
    });
    expect(crl.crl_number).toBeGreaterThanOrEqual(1);
    expect(crl.issuer).toBe(`CN=Nodepilot account ${f.accountId} CA`);
  });

  it("refuses revoking a foreign account's certificate as not_found", async () => {
    const other = await f.newAccount();
    const issued = await issueClientCertificate(f.database.db, f.secrets, {
      accountId: other.accountId,
      instanceId: other.instanceId,
      csrPem: await makeCsr(other.instanceId),
      now: new Date(),
    });
    const err = await revokeCertificate(f.database.db, f.origin(), {
      certificateId: issued.certificateId,
      reason: "x",
      now: new Date(),
    }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe("not_found");
    const [row] = await f.database.db
      .select()
      .from(node_certificates)
      .where(eq(node_certificates.id, issued.certificateId));
    expect(row!.status).toBe("active");
  });

  it("refuses an expired certificate and one not yet valid", async () => {
    const instanceId = await f.newInstance();
    const past = new Date(Date.now() - 100 * 24 * HOUR);
    const issued = await issue(instanceId, past);
    expect(await rejection(issued.certificatePem, new Date())).toBe("expired");
    expect(await rejection(issued.certificatePem, new Date(past.getTime() - HOUR))).toBe("not_yet_valid");
    expect((await verifyClientCertificate(f.database.db, issued.certificatePem, past)).instanceId).toBe(instanceId);
  });

  it("keeps a superseded certificate valid for 24 h after its replacement was issued", async () => {
    const instanceId = await f.newInstance();
    const t0 = new Date(Date.now() - 10 * 24 * HOUR);
    const old = await issue(instanceId, t0);
    const t1 = new Date(t0.getTime() + 5 * 24 * HOUR);
    const replacement = await issue(instanceId, t1);
    expect(
      (await verifyClientCertificate(f.database.db, old.certificatePem, new Date(t1.getTime() + 23 * HOUR)))
        .certificateId,
    ).toBe(old.certificateId);
    expect(await rejection(old.certificatePem, new Date(t1.getTime() + 24 * HOUR))).toBe("superseded");
    expect(
      (await verifyClientCertificate(f.database.db, replacement.certificatePem, new Date(t1.getTime() + 24 * HOUR)))
        .certificateId,
    ).toBe(replacement.certificateId);
  });
});
