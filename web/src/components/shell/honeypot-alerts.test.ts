import { describe, expect, it } from "vitest";
import { ACCESS_KIND } from "../fleet/canaries";
import type { FleetEvent } from "../fleet/types";
import {
  ACK_KEEP_MS,
  acknowledge,
  ackStorageKey,
  bannerContent,
  bannerText,
  isCriticalAccess,
  openAlerts,
  parseAcks,
} from "./honeypot-alerts";

const NOW = Date.parse("2025-03-10T12:00:00.000Z");
const H = 3600_000;
const MOD = "0190c000-0000-7000-8000-000000000001";
const I1 = "0190a000-0000-7000-8000-000000000001";
const I2 = "0190a000-0000-7000-8000-000000000002";
const T1 = "0190f000-0000-7000-8000-000000000001";
const T2 = "0190f000-0000-7000-8000-000000000002";
const T3 = "0190f000-0000-7000-8000-000000000003";

let n = 0;
/** A honeypot_access signal about the canary touch `touch`, `hoursAgo` old, suspecting `instance`. */
function access(touch: string, hoursAgo: number, instance: string | null, over: Partial<FleetEvent> = {}): FleetEvent {
  const at = new Date(NOW - hoursAgo * H).toISOString();
  n++;
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    seq: 1_000_000 - Math.round(hoursAgo * 100) * 10 + n,
    kind: ACCESS_KIND,
    severity: "critical",
    payload: {
      event_id: touch,
      module_id: MOD,
      source: "ssh",
      emitted_at: at,
      ...(instance ? { instance_id: instance } : {}),
    },
    correlation_id: null,
    fingerprint: null,
    source: "sensor:honeypot_access",
    actor_type: "agent",
    actor_id: null,
    subject_type: null,
    subject_id: null,
    node_id: null,
    node_instance_id: instance,
    node_module_id: MOD,
    module_version_id: null,
    task_id: null,
    cve_id: null,
    certificate_id: null,
    instance_pool_id: null,
    emitted_at: at,
    created_at: at,
    ...over,
  };
}

const NAMES = {
  module: (id: string) => (id === MOD ? "ssh-trap" : null),
  instance: (id: string) => ({ [I1]: "gpu-7-a", [I2]: "gpu-7-b" })[id] ?? null,
};
const NO_NAMES = { module: () => null, instance: () => null };

describe("openAlerts", () => {
  it("lists each critical touch of the last 24 h once, newest first", () => {
    const events = [access(T1, 2, I1), access(T1, 1.9, I2), access(T1, 1.8, I1), access(T2, 5, null)];
    const open = openAlerts(events, {}, NOW);
    expect(open.map((a) => a.key)).toEqual([T1, T2]);
    expect(open[0]!.suspects.map((s) => s.instanceId).sort()).toEqual([I1, I2]);
  });

  it("ignores touches older than 24 h and anything not a critical access", () => {
    const events = [
      access(T1, 25, I1),
      access(T2, 1, I1, { severity: "high" }),
      access(T3, 1, I1, { kind: "fleet.honeypot_triggered" }),
    ];
    expect(openAlerts(events, {}, NOW)).toEqual([]);
    expect(isCriticalAccess({ kind: ACCESS_KIND, severity: "critical" })).toBe(true);
    expect(isCriticalAccess({ kind: ACCESS_KIND, severity: "high" })).toBe(false);
  });

  it("drops acknowledged touches, also when a later tick re-reports them; a newer touch shows", () => {
    const acks = acknowledge({}, [T1], NOW - H);
    expect(openAlerts([access(T1, 2, I1), access(T1, 0.5, I1)], acks, NOW)).toEqual([]);
    expect(openAlerts([access(T1, 2, I1), access(T2, 0.1, I2)], acks, NOW).map((a) => a.key)).toEqual([T2]);
  });
});

describe("acknowledgements in storage", () => {
  it("are kept per user", () => {
    expect(ackStorageKey("u1")).not.toBe(ackStorageKey("u2"));
    expect(ackStorageKey(null)).toBe("nodepilot.honeypot-acks.api-token");
  });

  it("round-trip, dropping entries older than the keep period", () => {
    const acks = acknowledge({ [T3]: NOW - ACK_KEEP_MS - 1 }, [T1, T2], NOW);
    expect(Object.keys(acks).sort()).toEqual([T1, T2]);
    expect(parseAcks(JSON.stringify(acks), NOW)).toEqual(acks);
    expect(parseAcks(JSON.stringify(acks), NOW + ACK_KEEP_MS)).toEqual({});
  });

  it("treat a malformed value as nothing acknowledged", () => {
    for (const raw of [null, "", "not json", "[]", "null", '"x"', JSON.stringify({ [T1]: "yesterday" })]) {
      expect(parseAcks(raw, NOW)).toEqual({});
    }
  });
});

describe("bannerContent", () => {
  it("names the module, the instance and the time of a single touch, and links its access event", () => {
    const [a] = openAlerts([access(T1, 0.25, I1)], {}, NOW);
    const c = bannerContent([a!], NAMES)!;
    expect(c).toMatchObject({
      lead: "Honeypot canary accessed: ssh-trap on gpu-7-a",
      count: 1,
      eventId: a!.accessEventIds[0],
    });
    expect(bannerText(c, NOW)).toBe("Honeypot canary accessed: ssh-trap on gpu-7-a 15 m ago");
  });

  it("gives the count of several open touches in one sentence", () => {
    const open = openAlerts([access(T1, 3, I1), access(T2, 0.5, I2), access(T2, 0.5, I1)], {}, NOW);
    const c = bannerContent(open, NAMES)!;
    expect(c.count).toBe(2);
    expect(bannerText(c, NOW)).toBe(
      "2 unacknowledged honeypot canary accesses — latest: ssh-trap on gpu-7-a and 1 more instance 30 m ago",
    );
    expect(bannerContent(open, NAMES, true)!.lead).toMatch(/^2\+ unacknowledged/);
  });

  it("shows ids when names are unknown, and says when no instance hosts the canary", () => {
    const c = bannerContent(openAlerts([access(T1, 1, null)], {}, NOW), NO_NAMES)!;
    expect(c.lead).toBe(`Honeypot canary accessed: module ${MOD} (no running instance hosts it)`);
    const d = bannerContent(openAlerts([access(T1, 1, I1)], {}, NOW), NO_NAMES)!;
    expect(d.lead).toBe(`Honeypot canary accessed: module ${MOD} on instance ${I1}`);
  });

  it("is null when nothing is open", () => {
    expect(bannerContent([], NAMES)).toBeNull();
  });
});
