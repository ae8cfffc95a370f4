// The candidate action (spec/autonomy.md §3.4 action_payload, §3.9 params and dedup keys, §3.3
// touched modules, §5.3 situation text) as tables: what goes into the action a reviewer approves,
// what its digest depends on and what it must not, and what a learning would match on.
import { actionDigest, bindSignal, findCategory } from "@nodepilot/core";
import { describe, expect, it } from "vitest";
import { buildCandidate, touchedModules } from "./candidate.ts";
import type { GateSignal } from "./signal.ts";

const ACCOUNT = "0190d000-0000-7000-8000-000000000001";
const I1 = "0190d000-0000-7000-8000-0000000000a1";
const I2 = "0190d000-0000-7000-8000-0000000000a2";
const NODE = "0190d000-0000-7000-8000-0000000000b1";
const M1 = "0190d000-0000-7000-8000-0000000000c1";
const M2 = "0190d000-0000-7000-8000-0000000000c2";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const signal = (kind: string, payload: Record<string, unknown>, patch: Partial<GateSignal> = {}): GateSignal => ({
  kind,
  severity: "medium",
  sensor: kind.replace(/^fleet\./, ""),
  fingerprint: `${kind.replace(/^fleet\./, "")}:${String(payload.instance_id ?? "x")}`,
  payload,
  refs: {},
  ...patch,
});

function candidateOf(s: GateSignal, presumedDeadSeconds = 1800) {
  const binding = bindSignal({ kind: s.kind, payload: s.payload, presumedDeadSeconds });
  if (!binding) throw new Error(`no binding for ${s.kind}`);
  const category = findCategory(binding.category);
  if (!category) throw new Error(`unregistered ${binding.category}`);
  return buildCandidate(ACCOUNT, s, binding, category);
}

const silent = (instanceId: string, silentSeconds: number, patch: Partial<GateSignal> = {}) =>
  signal(
    "fleet.instance_silent",
    {
      instance_id: instanceId,
      node_id: NODE,
      status: "running",
      last_heartbeat_at: new Date(Date.UTC(2026, 5, 1) - silentSeconds * 1000).toISOString(),
      silent_seconds: silentSeconds,
      threshold_seconds: 120,
    },
    patch,
  );

const drift = (instanceId: string, missing: string[], extra: string[] = []) =>
  signal("fleet.module_drift", {
    instance_id: instanceId,
    node_id: NODE,
    missing_count: missing.length,
    extra_count: extra.length,
    mismatched_count: 0,
    missing: missing.map((module_id) => ({ module_id, expected_digest: `sha256:${"a".repeat(64)}` })),
    extra: extra.map((module_id) => ({ module_id, running_digest: `sha256:${"b".repeat(64)}` })),
    mismatched: [],
  });

describe("the action payload", () => {
  it("holds the account, category, target and only the binding's params (plus the category's own)", () => {
    const c = candidateOf(silent(I1, 300));
    expect(c.action).toEqual({
      account_id: ACCOUNT,
      action_category: "instance.recover",
      target: { type: "node_instance", id: I1 },
      params: { instance_id: I1, node_id: NODE, operation: "reboot", hard: false },
    });
    // Readings never reach the action.
    for (const volatile of ["silent_seconds", "last_heartbeat_at", "threshold_seconds", "status"]) {
      expect(c.action.params).not.toHaveProperty(volatile);
    }
  });

  it("copies module_drift's lists but not its counts", () => {
    const c = candidateOf(drift(I1, [M1]));
    expect(Object.keys(c.action.params).sort()).toEqual(["extra", "instance_id", "mismatched", "missing"]);
    expect(c.action.params.missing).toEqual([{ module_id: M1, expected_digest: `sha256:${"a".repeat(64)}` }]);
  });

  it("leaves out a bound field the payload does not have", () => {
    const c = candidateOf(
      signal("fleet.cert_expiring", { certificate_id: M1, days_left: 3, not_after: "2026-06-04T00:00:00.000Z" }),
    );
    expect(c.action.params).toEqual({ certificate_id: M1 });
    expect(c.action.target).toEqual({ type: "certificate", id: M1 });
  });

  it("targets the condition (its fingerprint) when the binding names no target field", () => {
    const s = signal("fleet.slo_unmeasured", { module_id: M1, slo_id: M2 }, { fingerprint: "slo_unmeasured:abc" });
    const c = candidateOf(s);
    expect(c.action).toMatchObject({
      action_category: "fleet.investigate",
      target: { type: "condition", id: s.fingerprint },
    });
    expect(c.action.params).toEqual({});
  });

  it("asks for a power-cycle only on a critical silence", () => {
    expect(candidateOf(silent(I1, 300, { severity: "critical" })).action.params).toMatchObject({ hard: true });
    expect(candidateOf(silent(I1, 300, { severity: "high" })).action.params).toMatchObject({ hard: false });
  });
});

describe("the action digest", () => {
  it("is the hex sha256 of the action, and ignores readings that change every tick", () => {
    const a = candidateOf(silent(I1, 130));
    const b = candidateOf(silent(I1, 1700));
    expect(a.payload_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.payload_hash).toBe(actionDigest(a.action));
    expect(b.payload_hash).toBe(a.payload_hash);
    expect(b.dedup_key).toBe(a.dedup_key);
  });

  it("changes with anything that defines the action", () => {
    const base = candidateOf(silent(I1, 300)).payload_hash;
    expect(candidateOf(silent(I2, 300)).payload_hash).not.toBe(base);
    expect(candidateOf(silent(I1, 300, { severity: "critical" })).payload_hash).not.toBe(base);
    expect(candidateOf(drift(I1, [M1])).payload_hash).not.toBe(candidateOf(drift(I1, [M2])).payload_hash);
  });
});

describe("the dedup key", () => {
  it.each([
    ["instance.recover", silent(I1, 300), `instance.recover:${I1}`],
    ["instance.mark_dead", silent(I1, 4000), `instance.mark_dead:${I1}`],
    ["module.sync", drift(I1, [M1]), `module.sync:${I1}`],
    [
      "config.apply",
      signal("fleet.config_drift", { assignment_id: M2, module_id: M1, node_id: NODE, instance_ids: [I1] }),
      `config.apply:${M2}`,
    ],
    [
      "sdwan.bgp_remediate",
      signal("fleet.sdwan_bgp_session_unhealthy", { peer_id: M1, neighbor_address: "10.0.0.1", state: "idle" }),
      `sdwan.bgp_remediate:${M1}+10.0.0.1`,
    ],
    [
      "sdwan.credential_refresh",
      signal("fleet.sdwan_credential_expiring", { peer_id: M1, network_id: M2, days_left: 2 }),
      `sdwan.credential_refresh:${M1}+${M2}`,
    ],
    [
      "instance.quarantine",
      signal("fleet.honeypot_access", { event_id: M2, module_id: M1, instance_id: I1, source: "ssh" }),
      `instance.quarantine:${I1}`,
    ],
    [
      "fleet.investigate (an unhosted honeypot hit dedups by fingerprint)",
      signal(
        "fleet.honeypot_access",
        { event_id: M2, module_id: M1, source: "ssh" },
        { fingerprint: `honeypot_access:${M2}` },
      ),
      `fleet.investigate:honeypot_access:${M2}`,
    ],
  ])("%s", (_label, s, key) => {
    expect(candidateOf(s).dedup_key).toBe(key);
  });

  it("is per category: a recovery and a module sync of the same instance do not share one", () => {
    expect(candidateOf(silent(I1, 300)).dedup_key).not.toBe(candidateOf(drift(I1, [M1])).dedup_key);
  });
});

describe("touched modules", () => {
  it.each([
    ["payload module_id", { module_id: M1, missing: [{ module_id: M2 }] }, [M1]],
    ["payload node_module_id", { node_module_id: M2 }, [M2]],
    ["both direct fields, once each", { module_id: M1, node_module_id: M1 }, [M1]],
    [
      "the drift lists, sorted and unique",
      { missing: [{ module_id: M2 }], extra: [{ module_id: M1 }], mismatched: [{ module_id: M2 }] },
      [M1, M2],
    ],
    ["planned_actions", { planned_actions: [{ module_id: M2, action: "install" }, { action: "noop" }] }, [M2]],
    ["none", { instance_id: I1, missing: [], extra: "not a list", module_id: "" }, []],
  ])("from %s", (_label, payload, expected) => {
    expect(touchedModules(payload)).toEqual(expected);
  });

  it("are the candidate's module_ids", () => {
    expect(candidateOf(drift(I1, [M2], [M1])).module_ids).toEqual([M1, M2]);
    expect(candidateOf(silent(I1, 300)).module_ids).toEqual([]);
  });
});

describe("disruption", () => {
  it.each([
    ["one change", [M1], [], 20],
    ["two changes", [M1, M2], [], 40],
    ["five changes (capped)", [M1, M2], [I1, I2, NODE], 100],
  ])("module.sync with %s disrupts %i percent", (_label, missing, extra, pct) => {
    expect(candidateOf(drift(I1, missing, extra)).disruption_pct).toBe(pct);
  });

  it("is unknown for categories whose planner gives none", () => {
    expect(candidateOf(silent(I1, 300)).disruption_pct).toBeNull();
  });
});

describe("the situation text", () => {
  it("names no ids and is the same for two instances in the same situation", () => {
    const a = candidateOf(drift(I1, [M1]));
    const b = candidateOf(drift(I2, [M2]));
    expect(a.situation_text).not.toMatch(UUID);
    expect(a.situation_text).toBe(b.situation_text);
    expect(a.situation_text).toBe(
      [
        "kind=fleet.module_drift",
        "category=module.sync",
        "severity=medium",
        "target=node_instance",
        "features=extra_count=0,mismatched_count=0,missing_count=1",
      ].join("\n"),
    );
    const s1 = candidateOf(silent(I1, 130)).situation_text;
    expect(s1).not.toMatch(UUID);
    expect(candidateOf(silent(I2, 1500)).situation_text).toBe(s1);
  });

  it("differs when the situation does: severity, category, bucketed counts", () => {
    const base = candidateOf(drift(I1, [M1])).situation_text;
    expect(candidateOf(drift(I1, [M1, M2])).situation_text).not.toBe(base);
    expect(candidateOf({ ...drift(I1, [M1]), severity: "high" }).situation_text).not.toBe(base);
    expect(candidateOf(silent(I1, 300)).situation_text).not.toBe(candidateOf(silent(I1, 4000)).situation_text);
  });
});
