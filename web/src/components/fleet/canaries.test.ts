import { describe, expect, it } from "vitest";
import { ACCESS_KIND, groupAccesses, summarizeCanaries } from "./canaries";
import type { EventWindow } from "./event-window";
import type { FleetEvent } from "./types";

const NOW = Date.parse("2025-03-10T12:00:00.000Z");
const H = 3600_000;
const I1 = "0190a000-0000-7000-8000-000000000001";
const I2 = "0190a000-0000-7000-8000-000000000002";
const N1 = "0190b000-0000-7000-8000-000000000001";
const M1 = "0190c000-0000-7000-8000-000000000001";
const T1 = "0190f000-0000-7000-8000-000000000001";
const T2 = "0190f000-0000-7000-8000-000000000002";

let n = 0;
/** A honeypot_access signal event about the touch `trigger` at `touchedHoursAgo`, recorded `recordedHoursAgo`. */
const access = (
  trigger: string | null,
  touchedHoursAgo: number,
  instance: string | null,
  recordedHoursAgo = touchedHoursAgo,
): FleetEvent => {
  const at = new Date(NOW - recordedHoursAgo * H).toISOString();
  return {
    id: `00000000-0000-7000-8000-${String(++n).padStart(12, "0")}`,
    seq: Math.round((NOW - recordedHoursAgo * H) / 1000) * 10 + (n % 10),
    kind: ACCESS_KIND,
    severity: "critical",
    payload: {
      ...(trigger ? { event_id: trigger } : {}),
      module_id: M1,
      source: "ssh",
      emitted_at: new Date(NOW - touchedHoursAgo * H).toISOString(),
      ...(instance ? { instance_id: instance, node_id: N1 } : {}),
      _sensor: "honeypot_access",
    },
    correlation_id: "tick:0123456789abcdef",
    fingerprint: instance ? `honeypot_access:${trigger}:${instance}` : `honeypot_access:${trigger}`,
    source: "sensor:honeypot_access",
    actor_type: "agent",
    actor_id: "fleet-autonomy",
    subject_type: null,
    subject_id: null,
    node_id: instance ? N1 : null,
    node_instance_id: instance,
    node_module_id: M1,
    module_version_id: null,
    task_id: null,
    cve_id: null,
    certificate_id: null,
    instance_pool_id: null,
    emitted_at: at,
    created_at: at,
  };
};

const win = (events: FleetEvent[], over: Partial<EventWindow> = {}): EventWindow => ({
  events: [...events].sort((a, b) => b.seq - a.seq),
  truncated: false,
  from: new Date(NOW - 7 * 24 * H).toISOString(),
  ...over,
});

describe("groupAccesses", () => {
  it("counts one touch once, however many ticks and suspects reported it", () => {
    const touches = groupAccesses([
      access(T1, 2, I1, 2),
      access(T1, 2, I2, 2),
      access(T1, 2, I1, 1.8), // re-reported by a later tick within the sensor's lookback
      access(T2, 30, null),
    ]);
    expect(touches).toHaveLength(2);
    const [latest, older] = touches;
    expect(latest!.triggerEventId).toBe(T1);
    expect(latest!.at).toBe(new Date(NOW - 2 * H).toISOString());
    expect(latest!.moduleId).toBe(M1);
    expect(latest!.source).toBe("ssh");
    expect(latest!.suspects.map((s) => s.instanceId).sort()).toEqual([I1, I2]);
    expect(latest!.accessEventIds).toHaveLength(3);
    expect(older!.suspects).toEqual([]);
  });

  it("keeps an access whose payload names no touch as its own", () => {
    const touches = groupAccesses([access(null, 1, I1), access(null, 1, I1)]);
    expect(touches).toHaveLength(2);
    expect(touches.every((t) => t.triggerEventId === null)).toBe(true);
  });
});

describe("summarizeCanaries", () => {
  it("is red (alert) with the last access when a canary was touched in 24 h", () => {
    const s = summarizeCanaries(win([access(T1, 3, I1), access(T2, 50, I1)]), NOW);
    expect(s).toMatchObject({ day: 1, week: 2, tone: "alert", dayAtLeast: false, weekAtLeast: false });
    expect(s.lastAccessAt).toBe(new Date(NOW - 3 * H).toISOString());
  });

  it("is amber when the only touches are older than 24 h", () => {
    const s = summarizeCanaries(win([access(T2, 50, I1)]), NOW);
    expect(s).toMatchObject({ day: 0, week: 1, tone: "warn" });
  });

  it("is clear with zero counts when the whole week was read and nothing touched a canary", () => {
    expect(summarizeCanaries(win([]), NOW)).toMatchObject({ day: 0, week: 0, tone: "clear", lastAccessAt: null });
  });

  it("counts by when the canary was touched, dropping touches older than 7 days", () => {
    // Recorded within the window, but the touch itself is 8 days old.
    const s = summarizeCanaries(win([access(T1, 8 * 24, I1, 6 * 24)]), NOW);
    expect(s.week).toBe(0);
  });

  it("says 'at least' for a period the capped read did not reach", () => {
    const partialDay = summarizeCanaries(
      win([access(T1, 1, I1)], { truncated: true, from: new Date(NOW - 2 * H).toISOString() }),
      NOW,
    );
    expect(partialDay).toMatchObject({ dayAtLeast: true, weekAtLeast: true });
    const fullDay = summarizeCanaries(
      win([access(T1, 1, I1)], { truncated: true, from: new Date(NOW - 30 * H).toISOString() }),
      NOW,
    );
    expect(fullDay).toMatchObject({ dayAtLeast: false, weekAtLeast: true });
  });
});
