import { describe, expect, it } from "vitest";
import { type CredentialRow, credentialSignals, sdwanCredentialExpiry } from "./sdwan-credential-expiry.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const at = (s: number) => new Date(now.getTime() + s * 1000);
const defaults = sdwanCredentialExpiry.settings.parse({});
const PEER = "0190aaaa-0000-7000-8000-000000000010";
const NET = "0190aaaa-0000-7000-8000-000000000001";
const row = (over: Partial<CredentialRow>): CredentialRow => ({
  id: "0190aaaa-0000-7000-8000-0000000000d1",
  peer_id: PEER,
  network_id: NET,
  node_instance_id: "0190aaaa-0000-7000-8000-000000000002",
  revision: 4,
  live: true,
  status: "active",
  refresh_after: at(-600),
  not_after: at(901),
  newest: true,
  ...over,
});
const summary = (r: CredentialRow) => credentialSignals(r, defaults, now).map((s) => `${s.kind}:${s.severity}`);

describe("sdwan_credential_expiry", () => {
  it.each<[string, Partial<CredentialRow>, string[]]>([
    ["live, 901 s left", {}, []],
    ["live, 900 s left", { not_after: at(900) }, ["fleet.sdwan_credential_expiring:medium"]],
    ["live, 301 s left", { not_after: at(301) }, ["fleet.sdwan_credential_expiring:medium"]],
    ["live, 300 s left", { not_after: at(300) }, ["fleet.sdwan_credential_expiring:high"]],
    ["live, expired", { not_after: at(-10), status: "expired" }, ["fleet.sdwan_credential_expiring:high"]],
    ["not live, 100 s left", { live: false, not_after: at(100) }, []],
    ["live but revoked", { status: "revoked", not_after: at(100) }, []],
    [
      "expiring, no newer revision",
      { status: "expiring", not_after: at(3600) },
      ["fleet.sdwan_credential_refresh_stalled:high"],
    ],
    [
      "expiring, no newer revision, 200 s left",
      { status: "expiring", not_after: at(200) },
      ["fleet.sdwan_credential_expiring:high", "fleet.sdwan_credential_refresh_stalled:high"],
    ],
    ["expiring with a newer revision", { status: "expiring", not_after: at(3600), newest: false }, []],
    ["expiring but already expired", { status: "expiring", live: false, not_after: at(0) }, []],
  ])("%s → %j", (_label, over, expected) => {
    expect(summary(row(over))).toEqual(expected);
  });

  it("carries the spec's fingerprints and payloads", () => {
    const [expiring, stalled] = credentialSignals(row({ status: "expiring", not_after: at(250) }), defaults, now);
    expect(expiring?.fingerprint).toBe("sdwan_credential_expiring:0190aaaa-0000-7000-8000-0000000000d1");
    expect(expiring?.payload).toEqual({
      membership_credential_id: "0190aaaa-0000-7000-8000-0000000000d1",
      peer_id: PEER,
      network_id: NET,
      revision: 4,
      not_after: at(250).toISOString(),
      seconds_to_expiry: 250,
    });
    expect(stalled?.fingerprint).toBe(`sdwan_credential_refresh_stalled:${PEER}:${NET}`);
    expect(stalled?.payload).toMatchObject({ refresh_after: at(-600).toISOString(), seconds_overdue: 600 });
  });
});
