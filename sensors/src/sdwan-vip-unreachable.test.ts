import { describe, expect, it } from "vitest";
import { sdwanVipUnreachable, type VipHolderRow, vipSignal } from "./sdwan-vip-unreachable.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = sdwanVipUnreachable.settings.parse({});
const VIP = "0190aaaa-0000-7000-8000-0000000000f1";
const HOLDER = "0190aaaa-0000-7000-8000-000000000010";
const row = (over: Partial<VipHolderRow>): VipHolderRow => ({
  id: VIP,
  cidr: "fd00:1::100/128",
  network_id: "0190aaaa-0000-7000-8000-000000000001",
  anycast: false,
  holder_peer_id: HOLDER,
  node_instance_id: "0190aaaa-0000-7000-8000-000000000002",
  last_handshake_at: ago(301),
  has_failover_candidates: true,
  ...over,
});

describe("sdwan_vip_unreachable", () => {
  it.each<[number, boolean, string | null]>([
    [300, false, null],
    [301, false, "medium"],
    [599, false, "medium"],
    [600, false, "high"],
    [1799, false, "high"],
    [1800, false, "critical"],
    [300, true, null],
    [301, true, "medium"],
    [600, true, "medium"],
    [1799, true, "medium"],
    [1800, true, "critical"],
  ])("holder silent %s s, anycast %s → %s", (age, anycast, severity) => {
    expect(vipSignal(row({ last_handshake_at: ago(age), anycast }), defaults, now)?.severity ?? null).toBe(severity);
  });

  it("fingerprints a single-holder VIP by VIP and an anycast holder by VIP and holder", () => {
    expect(vipSignal(row({}), defaults, now)?.fingerprint).toBe(`sdwan_vip_unreachable:${VIP}`);
    expect(vipSignal(row({ anycast: true }), defaults, now)?.fingerprint).toBe(
      `sdwan_vip_holder_silent:${VIP}:${HOLDER}`,
    );
  });

  it("carries the spec's payload", () => {
    expect(
      vipSignal(row({ last_handshake_at: ago(700), has_failover_candidates: false }), defaults, now)?.payload,
    ).toEqual({
      virtual_ip_id: VIP,
      cidr: "fd00:1::100/128",
      network_id: "0190aaaa-0000-7000-8000-000000000001",
      anycast: false,
      holder_peer_id: HOLDER,
      holder_handshake_age_seconds: 700,
      has_failover_candidates: false,
    });
  });
});
