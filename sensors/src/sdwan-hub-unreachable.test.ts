import { describe, expect, it } from "vitest";
import { type HubRow, hubSignal, sdwanHubUnreachable } from "./sdwan-hub-unreachable.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = sdwanHubUnreachable.settings.parse({});
const NET = "0190aaaa-0000-7000-8000-000000000001";
const row = (over: Partial<HubRow>): HubRow => ({
  id: NET,
  name: "edge",
  topology: "hub_and_spoke",
  hub_count: 1,
  spoke_count: 3,
  hub_last_handshake_at: ago(601),
  last_handshake_at: ago(10),
  ...over,
});

describe("sdwan_hub_unreachable", () => {
  it.each<[string, Partial<HubRow>, string | null, string | null]>([
    ["hub handshake 600 s ago", { hub_last_handshake_at: ago(600) }, null, null],
    ["one hub silent 601 s", {}, "critical", `sdwan_hub_unreachable:${NET}`],
    ["two hubs silent", { hub_count: 2 }, "high", `sdwan_hub_unreachable:${NET}`],
    ["hubs never handshaked", { hub_count: 3, hub_last_handshake_at: null }, "high", `sdwan_hub_unreachable:${NET}`],
    ["full mesh with a silent hub", { topology: "full_mesh" }, "critical", `sdwan_hub_unreachable:${NET}`],
    [
      "no hub, two peers",
      { hub_count: 0, spoke_count: 2, hub_last_handshake_at: null },
      "critical",
      `sdwan_no_hub:${NET}`,
    ],
    ["no hub, one peer", { hub_count: 0, spoke_count: 1, hub_last_handshake_at: null }, null, null],
    [
      "no hub, full mesh",
      { topology: "full_mesh", hub_count: 0, spoke_count: 5, hub_last_handshake_at: null },
      null,
      null,
    ],
    ["no peers", { hub_count: 0, spoke_count: 0, hub_last_handshake_at: null, last_handshake_at: null }, null, null],
  ])("%s → %s", (_label, over, severity, fingerprint) => {
    const s = hubSignal(row(over), defaults, now);
    expect(s?.severity ?? null).toBe(severity);
    expect(s?.fingerprint ?? null).toBe(fingerprint);
  });

  it("reports counts and the hubs' newest handshake", () => {
    expect(hubSignal(row({ hub_count: 2, spoke_count: 4 }), defaults, now)?.payload).toEqual({
      network_id: NET,
      network_name: "edge",
      hub_count: 2,
      spoke_count: 4,
      last_handshake_at: ago(601).toISOString(),
    });
    expect(
      hubSignal(row({ hub_count: 0, spoke_count: 3, hub_last_handshake_at: null }), defaults, now)?.payload,
    ).toEqual({
      network_id: NET,
      network_name: "edge",
      hub_count: 0,
      spoke_count: 3,
      last_handshake_at: ago(10).toISOString(),
    });
  });

  it("takes the window from the account's settings", () => {
    const s = sdwanHubUnreachable.settings.parse({ reachability_window_seconds: 60 });
    expect(hubSignal(row({ hub_last_handshake_at: ago(61) }), s, now)?.severity).toBe("critical");
    expect(hubSignal(row({ hub_last_handshake_at: ago(60) }), s, now)).toBeNull();
  });
});
