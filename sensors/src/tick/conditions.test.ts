// The tick's condition rules as tables: episodes and reopening (§2.2), clearing only on a sensor
// that finished ok and vouched for the condition, dedup and its window (§2.5), deferral and
// standing signals (§3.5 steps 4–5), and decision order (severity, sensor order, fingerprint).
import { describe, expect, it } from "vitest";
import type { Signal } from "../signal.ts";
import {
  type ConditionState,
  isDeduped,
  orderForDecision,
  planConditions,
  type SensorOutcome,
  type SensorStatus,
} from "./conditions.ts";

const now = new Date("2026-01-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const settings = { episode_reset_seconds: 1800, dedup_window_seconds: 600, standing_signal_ticks: 60 };
const ACCOUNT = "01900000-0000-7000-8000-00000000acc1";

const signal = (fingerprint: string, o: Partial<Signal> = {}): Signal => ({
  kind: "fleet.instance_silent",
  severity: "medium",
  sensor: "instance_silent",
  fingerprint,
  payload: {},
  refs: {},
  ...o,
});

const state = (fingerprint: string, o: Partial<ConditionState> = {}): ConditionState => ({
  account_id: ACCOUNT,
  kind: "fleet.instance_silent",
  fingerprint,
  sensor: "instance_silent",
  episode: 1,
  first_seen_at: ago(3600),
  last_seen_at: ago(60),
  cleared_at: null,
  tick_count: 5,
  last_severity: "medium",
  last_decided_at: null,
  last_decided_severity: null,
  dedup_count: 0,
  last_heartbeat_event_at: null,
  defer_until: null,
  cumulative_deferred_seconds: 0,
  remediations_applied: 0,
  consecutive_failures: 0,
  stuck_escalated_at: null,
  standing_escalated_at: null,
  last_notified_at: null,
  last_tick_id: null,
  ...o,
});

const outcome = (signals: Signal[], status: SensorStatus = "ok", o: Partial<SensorOutcome> = {}): SensorOutcome => ({
  sensor: "instance_silent",
  status,
  signals,
  ...o,
});

const plan = (outcomes: SensorOutcome[], existing: ConditionState[]) =>
  planConditions({
    accountId: ACCOUNT,
    now,
    tickId: "01900000-0000-7000-8000-0000000071c1",
    outcomes,
    existing,
    settings,
  });

describe("condition episodes", () => {
  it("opens a new condition at episode 1 with one tick", () => {
    const [seen] = plan([outcome([signal("a")])], []).seen;
    expect(seen).toMatchObject({
      change: "opened",
      triage: "fresh",
      state: { episode: 1, tick_count: 1, first_seen_at: now },
    });
  });

  it("continues an open condition, counting ticks and taking the latest severity", () => {
    const [seen] = plan([outcome([signal("a", { severity: "critical" })])], [state("a")]).seen;
    expect(seen).toMatchObject({
      change: "continued",
      state: { tick_count: 6, last_severity: "critical", first_seen_at: ago(3600), last_seen_at: now },
    });
  });

  it.each([
    ["cleared 1800 s ago: same episode", 1800, "reopened", 1, 8],
    ["cleared 1801 s ago: next episode", 1801, "new_episode", 2, 1],
  ])("%s", (_l, clearedAgo, change, episode, ticks) => {
    const prior = state("a", { cleared_at: ago(clearedAgo), tick_count: 7, dedup_count: 3, remediations_applied: 2 });
    const [seen] = plan([outcome([signal("a")])], [prior]).seen;
    expect(seen?.change).toBe(change);
    expect(seen?.state).toMatchObject({ episode, tick_count: ticks, cleared_at: null });
    if (change === "new_episode")
      expect(seen?.state).toMatchObject({ dedup_count: 0, remediations_applied: 0, first_seen_at: now });
    else expect(seen?.state).toMatchObject({ dedup_count: 3, remediations_applied: 2 });
  });
});

describe("clearing", () => {
  it.each([
    ["ok", true],
    ["failed", false],
    ["timeout", false],
    ["degraded", false],
    ["disabled", false],
  ] as const)("a condition absent from a sensor that finished %s clears: %s", (status, clears) => {
    const p = plan([outcome([], status)], [state("a")]);
    expect(p.cleared.map((c) => c.fingerprint)).toEqual(clears ? ["a"] : []);
    if (clears) expect(p.cleared[0]?.cleared_at).toEqual(now);
  });

  it("leaves a condition that was seen, already cleared, or of a sensor that did not run", () => {
    const p = plan(
      [outcome([signal("seen")])],
      [
        state("seen"),
        state("old", { cleared_at: ago(10) }),
        state("other", { sensor: "cert_expiring", kind: "fleet.cert_expiring" }),
      ],
    );
    expect(p.cleared).toEqual([]);
  });

  it("clears only what a paging sensor vouched for", () => {
    const p = plan([outcome([], "ok", { covers: (fp) => fp === "read" })], [state("read"), state("unread")]);
    expect(p.cleared.map((c) => c.fingerprint)).toEqual(["read"]);
  });
});

describe("dedup, deferral and standing signals", () => {
  it.each([
    ["never decided", {}, "medium", false],
    [
      "decided 599 s ago at the same severity",
      { last_decided_at: ago(599), last_decided_severity: "medium" },
      "medium",
      true,
    ],
    ["decided 600 s ago", { last_decided_at: ago(600), last_decided_severity: "medium" }, "medium", false],
    ["decided at a higher severity", { last_decided_at: ago(10), last_decided_severity: "high" }, "medium", true],
    ["now more severe than decided", { last_decided_at: ago(10), last_decided_severity: "medium" }, "high", false],
  ] as const)("%s → deduped %s", (_l, decided, severity, deduped) => {
    expect(isDeduped(state("a", decided), signal("a", { severity }), now, 600)).toBe(deduped);
  });

  it("counts a deduped signal and keeps it from the gate", () => {
    const [seen] = plan(
      [outcome([signal("a")])],
      [state("a", { last_decided_at: ago(30), last_decided_severity: "medium", dedup_count: 4 })],
    ).seen;
    expect(seen).toMatchObject({ triage: "deduped", state: { dedup_count: 5 } });
  });

  it.each([
    ["deferred, medium", { defer_until: new Date(now.getTime() + 60_000) }, "medium", "deferred"],
    ["deferred, critical bypasses", { defer_until: new Date(now.getTime() + 60_000) }, "critical", "fresh"],
    ["deferral over", { defer_until: now }, "medium", "fresh"],
  ] as const)("%s → %s", (_l, o, severity, triage) => {
    expect(plan([outcome([signal("a", { severity })])], [state("a", o)]).seen[0]?.triage).toBe(triage);
  });

  it("escalates a deduped signal standing for more than standing_signal_ticks, once per episode", () => {
    const decided = { last_decided_at: ago(30), last_decided_severity: "medium" as const };
    const standing = plan([outcome([signal("a")])], [state("a", { ...decided, tick_count: 60 })]).seen[0];
    expect(standing).toMatchObject({ triage: "standing", state: { tick_count: 61, standing_escalated_at: now } });
    const atLimit = plan([outcome([signal("a")])], [state("a", { ...decided, tick_count: 59 })]).seen[0];
    expect(atLimit?.triage).toBe("deduped");
    const remediated = plan(
      [outcome([signal("a")])],
      [state("a", { ...decided, tick_count: 90, remediations_applied: 1 })],
    ).seen[0];
    expect(remediated?.triage).toBe("deduped");
    const already = plan(
      [outcome([signal("a")])],
      [state("a", { ...decided, tick_count: 90, standing_escalated_at: ago(5) })],
    ).seen[0];
    expect(already?.triage).toBe("deduped");
  });
});

describe("decision order", () => {
  it("orders by severity, then sensor run order, then fingerprint", () => {
    const order = new Map([
      ["instance_silent", 1],
      ["cert_expiring", 4],
    ]);
    const items = [
      signal("b", { severity: "high" }),
      signal("z", { severity: "critical", sensor: "cert_expiring" }),
      signal("a", { severity: "high", sensor: "cert_expiring" }),
      signal("a", { severity: "high" }),
      signal("c", { severity: "low" }),
      signal("y", { severity: "critical" }),
    ].map((s) => ({ signal: s }));
    expect(
      orderForDecision(items, order).map((i) => `${i.signal.severity}:${i.signal.sensor}:${i.signal.fingerprint}`),
    ).toEqual([
      "critical:instance_silent:y",
      "critical:cert_expiring:z",
      "high:instance_silent:a",
      "high:instance_silent:b",
      "high:cert_expiring:a",
      "low:instance_silent:c",
    ]);
  });
});
