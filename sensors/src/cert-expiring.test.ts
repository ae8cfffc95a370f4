// cert_expiring: the window edges and severities (table), then one statement over 1,000 live
// instances' certificates with the expiring, expired, superseded, revoked and terminated cases.
import { randomBytes } from "node:crypto";
import { node_certificates } from "@nodepilot/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CertExpiringRow, certExpiring, certSignal } from "./cert-expiring.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";

const now = new Date("2026-03-01T00:00:00.000Z");
const inSeconds = (s: number) => new Date(now.getTime() + s * 1000);
const defaults = certExpiring.settings.parse({});
const row = (notAfter: Date, superseded = false): CertExpiringRow => ({
  id: "01900000-0000-7000-8000-0000000000c1",
  node_instance_id: "01900000-0000-7000-8000-000000000001",
  node_id: "01900000-0000-7000-8000-0000000000aa",
  serial: "0a1b",
  not_after: notAfter,
  superseded,
});

describe("cert_expiring rules", () => {
  it.each([
    ["8 days left", 8 * 86400, null],
    ["7 days + 1 s left", 604_801, null],
    ["exactly 7 days left", 604_800, "medium"],
    ["24 h + 1 s left", 86_401, "medium"],
    ["exactly 24 h left", 86_400, "high"],
    ["1 s left", 1, "high"],
    ["expiring now", 0, "critical"],
    ["expired a day ago", -86_400, "critical"],
  ])("%s → %s", (_l, seconds, severity) => {
    expect(certSignal(row(inSeconds(seconds)), defaults, now)?.severity ?? null).toBe(severity);
  });

  it("follows per-account windows", () => {
    const s = certExpiring.settings.parse({ advisory_window_seconds: 3600, urgent_window_seconds: 60 });
    expect(certSignal(row(inSeconds(3601)), s, now)).toBeNull();
    expect(certSignal(row(inSeconds(3600)), s, now)?.severity).toBe("medium");
    expect(certSignal(row(inSeconds(60)), s, now)?.severity).toBe("high");
  });

  it("carries the spec payload", () => {
    expect(certSignal(row(inSeconds(3 * 86400 + 5), true), defaults, now)).toEqual({
      kind: "fleet.cert_expiring",
      severity: "medium",
      sensor: "cert_expiring",
      fingerprint: "cert_expiring:01900000-0000-7000-8000-0000000000c1",
      payload: {
        certificate_id: "01900000-0000-7000-8000-0000000000c1",
        instance_id: "01900000-0000-7000-8000-000000000001",
        serial: "0a1b",
        not_after: inSeconds(3 * 86400 + 5).toISOString(),
        days_remaining: 3,
        expired: false,
        superseded: true,
      },
      refs: {
        certificate_id: "01900000-0000-7000-8000-0000000000c1",
        node_instance_id: "01900000-0000-7000-8000-000000000001",
        node_id: "01900000-0000-7000-8000-0000000000aa",
      },
    });
    expect(certSignal(row(inSeconds(-10)), defaults, now)?.payload).toMatchObject({ days_remaining: 0, expired: true });
  });
});

describe("cert_expiring on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  const expect_: Record<string, string> = {};

  const cert = (instanceId: string, notAfter: Date, extra: Partial<typeof node_certificates.$inferInsert> = {}) => ({
    account_id: accountId,
    serial: randomBytes(12).toString("hex"),
    subject: `CN=${instanceId}`,
    issuer_subject: "CN=test CA",
    node_instance_id: instanceId,
    not_before: new Date(notAfter.getTime() - 90 * 86400_000),
    not_after: notAfter,
    pem_chain: "-----BEGIN CERTIFICATE-----",
    public_key_sha256: randomBytes(32).toString("hex"),
    ...extra,
  });

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    const healthy = await seedInstances(database, accountId, 1000, { status: "running" });
    await database.db
      .insert(node_certificates)
      .values(healthy.instanceIds.map((id) => cert(id, inSeconds(60 * 86400))));
    const live = (await seedInstances(database, accountId, 5, { status: "running" })).instanceIds as [
      string,
      string,
      string,
      string,
      string,
    ];
    const rows = [
      cert(live[0], inSeconds(3 * 86400)),
      cert(live[1], inSeconds(3600)),
      cert(live[2], inSeconds(-3600)),
      // Rotated: the old one (expiring) is superseded by an active one that is fine.
      cert(live[3], inSeconds(2 * 86400), { status: "superseded" }),
      cert(live[3], inSeconds(80 * 86400)),
      // Revoked and expiring: nothing to do.
      cert(live[4], inSeconds(3600), { status: "revoked", revoked_at: now }),
    ];
    const inserted = await database.db.insert(node_certificates).values(rows).returning({ id: node_certificates.id });
    Object.assign(expect_, {
      medium: inserted[0]!.id,
      high: inserted[1]!.id,
      critical: inserted[2]!.id,
      superseded: inserted[3]!.id,
    });
    // A terminated instance's expired certificate is not a live identity.
    const gone = await seedInstances(database, accountId, 1, { status: "terminated" });
    await database.db.insert(node_certificates).values(cert(gone.instanceIds[0]!, inSeconds(-60)));
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await database.close();
    }
  });

  it("finds the expiring certificates of live instances in one statement", async () => {
    const result = await senseCounted(database, certExpiring, { accountId, now });
    expect(result.statements).toHaveLength(1);
    const signals = result.signals as { fingerprint: string; severity: string; payload: { superseded: boolean } }[];
    const by = Object.fromEntries(signals.map((s) => [s.fingerprint, s]));
    expect(signals).toHaveLength(4);
    expect(by[`cert_expiring:${expect_.medium}`]?.severity).toBe("medium");
    expect(by[`cert_expiring:${expect_.high}`]?.severity).toBe("high");
    expect(by[`cert_expiring:${expect_.critical}`]?.severity).toBe("critical");
    expect(by[`cert_expiring:${expect_.superseded}`]).toMatchObject({
      severity: "medium",
      payload: { superseded: true },
    });
    expect(by[`cert_expiring:${expect_.medium}`]?.payload.superseded).toBe(false);
  });
});
