import { describe, expect, it } from "vitest";
import { type PeerStaleRow, peerStaleSignal, sdwanPeerStale } from "./sdwan-peer-stale.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = sdwanPeerStale.settings.parse({});
const row = (age: number): PeerStaleRow => ({
  id: "0190aaaa-0000-7000-8000-000000000010",
  network_id: "0190aaaa-0000-7000-8000-000000000001",
  node_instance_id: "0190aaaa-0000-7000-8000-000000000002",
  publicly_reachable: false,
  status: "disconnected",
  last_handshake_at: ago(age),
});

describe("sdwan_peer_stale", () => {
  it.each([
    [300, null],
    [300.001, "medium"],
    [899, "medium"],
    [900, "high"],
    [1799, "high"],
    [1800, "critical"],
    [86400, "critical"],
  ])("handshake %s s old → %s", (age, severity) => {
    expect(peerStaleSignal(row(age), defaults, now)?.severity ?? null).toBe(severity);
  });

  it("carries the spec's fingerprint and payload", () => {
    const s = peerStaleSignal(row(1000), defaults, now)!;
    expect(s).toEqual({
      kind: "fleet.sdwan_peer_stale",
      severity: "high",
      sensor: "sdwan_peer_stale",
      fingerprint: "sdwan_peer_stale:0190aaaa-0000-7000-8000-000000000010",
      payload: {
        peer_id: "0190aaaa-0000-7000-8000-000000000010",
        network_id: "0190aaaa-0000-7000-8000-000000000001",
        node_instance_id: "0190aaaa-0000-7000-8000-000000000002",
        publicly_reachable: false,
        status: "disconnected",
        last_handshake_at: ago(1000).toISOString(),
        handshake_age_seconds: 1000,
      },
      refs: { node_instance_id: "0190aaaa-0000-7000-8000-000000000002" },
    });
  });

  it("honours per-account thresholds", () => {
    const s = sdwanPeerStale.settings.parse({
      drift_window_seconds: 60,
      high_after_seconds: 120,
      critical_after_seconds: 600,
    });
    expect(peerStaleSignal(row(61), s, now)?.severity).toBe("medium");
    expect(peerStaleSignal(row(120), s, now)?.severity).toBe("high");
    expect(peerStaleSignal(row(600), s, now)?.severity).toBe("critical");
  });

  it.each([[{ drift_window_seconds: 0 }], [{ drift_window_seconds: -5 }], [{ unknown_key: 1 }]])(
    "refuses settings %j",
    (bad) => {
      expect(sdwanPeerStale.settings.safeParse(bad).success).toBe(false);
    },
  );
});
