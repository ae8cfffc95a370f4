import { describe, expect, it } from "vitest";
import { type BgpSessionRow, bgpSessionSignal, sdwanBgpSession } from "./sdwan-bgp-session.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = sdwanBgpSession.settings.parse({});
const PEER = "0190aaaa-0000-7000-8000-000000000010";
const row = (over: Partial<BgpSessionRow>): BgpSessionRow => ({
  id: "0190aaaa-0000-7000-8000-0000000000b1",
  peer_id: PEER,
  network_id: "0190aaaa-0000-7000-8000-000000000001",
  node_instance_id: "0190aaaa-0000-7000-8000-000000000002",
  neighbor_peer_id: "0190aaaa-0000-7000-8000-000000000011",
  neighbor_address: "fd00:1::11",
  state: "active",
  last_state_change_at: ago(301),
  last_observed_at: ago(5),
  last_error: "Hold Timer Expired",
  created_at: ago(86400),
  ...over,
});

describe("sdwan_bgp_session", () => {
  it.each<[string, Partial<BgpSessionRow>, string | null, string | null]>([
    ["established for long", { state: "established", last_state_change_at: ago(9999) }, null, null],
    ["not established for 300 s", { last_state_change_at: ago(300) }, null, null],
    ["not established 301 s", {}, "fleet.sdwan_bgp_session_unhealthy", "medium"],
    ["stuck 899 s", { last_state_change_at: ago(899) }, "fleet.sdwan_bgp_session_unhealthy", "medium"],
    ["stuck 900 s", { last_state_change_at: ago(900) }, "fleet.sdwan_bgp_session_unhealthy", "high"],
    ["stuck 1800 s", { last_state_change_at: ago(1800) }, "fleet.sdwan_bgp_session_unhealthy", "critical"],
    [
      "stuck, observed exactly 300 s ago",
      { last_observed_at: ago(300) },
      "fleet.sdwan_bgp_session_unhealthy",
      "medium",
    ],
    [
      "stuck but unobserved 301 s: stale, not unhealthy",
      { last_state_change_at: ago(5000), last_observed_at: ago(301) },
      "fleet.sdwan_bgp_session_stale",
      "medium",
    ],
    [
      "established but unobserved",
      { state: "established", last_observed_at: ago(1000) },
      "fleet.sdwan_bgp_session_stale",
      "medium",
    ],
    [
      "never reported, created 301 s ago",
      { last_observed_at: null, created_at: ago(301) },
      "fleet.sdwan_bgp_session_stale",
      "medium",
    ],
    [
      "never reported, created 300 s ago",
      { state: "idle", last_state_change_at: ago(300), last_observed_at: null, created_at: ago(300) },
      null,
      null,
    ],
  ])("%s → %s %s", (_label, over, kind, severity) => {
    const s = bgpSessionSignal(row(over), defaults, now);
    expect(s?.kind ?? null).toBe(kind);
    expect(s?.severity ?? null).toBe(severity);
  });

  it("fingerprints by peer and neighbour address, with the spec's payload", () => {
    const unhealthy = bgpSessionSignal(row({ last_state_change_at: ago(1000) }), defaults, now)!;
    expect(unhealthy.fingerprint).toBe(`sdwan_bgp_session_unhealthy:${PEER}:fd00:1::11`);
    expect(unhealthy.payload).toEqual({
      bgp_session_id: "0190aaaa-0000-7000-8000-0000000000b1",
      peer_id: PEER,
      network_id: "0190aaaa-0000-7000-8000-000000000001",
      neighbor_peer_id: "0190aaaa-0000-7000-8000-000000000011",
      neighbor_address: "fd00:1::11",
      state: "active",
      stuck_for_seconds: 1000,
      last_error: "Hold Timer Expired",
    });
    const stale = bgpSessionSignal(row({ last_observed_at: ago(400) }), defaults, now)!;
    expect(stale.fingerprint).toBe(`sdwan_bgp_session_stale:${PEER}:fd00:1::11`);
    expect(stale.payload).toMatchObject({ last_observed_at: ago(400).toISOString(), stale_for_seconds: 400 });
    expect(stale.refs).toEqual({ node_instance_id: "0190aaaa-0000-7000-8000-000000000002" });
  });
});
