// Policy resolution edges (spec/autonomy.md §3.1–3.2) as tables: matching, specificity, ties,
// no match, unknown levels, trust tiers and quiet hours with and without a midnight wrap.
import { describe, expect, it } from "vitest";
import { actionDigest } from "./action-digest.ts";
import { ACTION_CATEGORIES, dedupKeyOf, findCategory } from "./categories.ts";
import {
  inQuietHours,
  localHour,
  type PolicyActor,
  type PolicyRow,
  raise,
  resolvePolicy,
  strictness,
} from "./policy.ts";

const AGENT = "0190a000-0000-7000-8000-000000000001";
const OTHER_AGENT = "0190a000-0000-7000-8000-000000000002";
const USER = "0190a000-0000-7000-8000-0000000000a1";
const NOON = new Date("2026-06-01T12:30:00Z");

let seq = 0;
const row = (p: Partial<PolicyRow>): PolicyRow => ({
  id: `0190b000-0000-7000-8000-${String(++seq).padStart(12, "0")}`,
  scope: "agent",
  action_category: "module.sync",
  actor_type: "agent",
  agent_id: AGENT,
  user_id: null,
  policy: "notify_and_proceed",
  priority: 0,
  conditions: {},
  approval_chain_id: null,
  preferred_channels: [],
  is_active: true,
  ...p,
});
const agent: PolicyActor = { type: "agent", agent_id: AGENT, trust_tier: "monitored" };
const resolve = (rows: PolicyRow[], actor: PolicyActor = agent, now = NOON, category = "module.sync") =>
  resolvePolicy(rows, { category, actor, now });

describe("strictness and raise", () => {
  it.each([
    ["auto_approve", "notify_and_proceed"],
    ["notify_and_proceed", "require_approval"],
    ["require_approval", "block"],
    ["block", "block"],
  ] as const)("raise(%s) = %s", (from, to) => {
    expect(raise(from)).toBe(to);
  });

  it("orders AA < NP < RA < block, silent and unknown levels as block", () => {
    const order = ["auto_approve", "notify_and_proceed", "require_approval", "block"].map(strictness);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(strictness("silent")).toBe(3);
    expect(strictness("yolo")).toBe(3);
  });
});

describe("resolvePolicy", () => {
  it("no candidate → require_approval no_matching_policy", () => {
    expect(resolve([])).toMatchObject({
      level: "require_approval",
      reason: "no_matching_policy",
      matched_policy_id: null,
    });
    expect(resolve([row({ action_category: "cert.rotate" })]).reason).toBe("no_matching_policy");
    expect(resolve([row({ is_active: false })]).reason).toBe("no_matching_policy");
  });

  it.each([
    ["actor type differs", { actor_type: "user" as const, agent_id: null }],
    ["another agent's row", { agent_id: OTHER_AGENT }],
    ["an agent-scoped row naming nobody", { agent_id: null, scope: "agent" as const }],
    ["a user-bound row", { user_id: USER }],
  ])("%s does not match", (_name, p) => {
    expect(resolve([row(p)]).reason).toBe("no_matching_policy");
  });

  it("an agent sees a global row that names no agent", () => {
    const g = row({ scope: "global", agent_id: null, policy: "auto_approve" });
    expect(resolve([g])).toMatchObject({ level: "auto_approve", matched_policy_id: g.id, reason: "matched" });
  });

  it("most specific wins: agent over unnamed, category over *, then priority", () => {
    const wildcard = row({ action_category: "*", policy: "block", priority: 1000 });
    const exact = row({ policy: "auto_approve", priority: -5 });
    expect(resolve([wildcard, exact]).matched_policy_id).toBe(exact.id);
    const global = row({ scope: "global", agent_id: null, policy: "block", priority: 1000 });
    expect(resolve([global, exact]).matched_policy_id).toBe(exact.id);
    const higher = row({ policy: "require_approval", priority: 5 });
    expect(resolve([exact, higher]).matched_policy_id).toBe(higher.id);
  });

  it("user rows beat agent-less rows for a user; a user row for another user does not match", () => {
    const me: PolicyActor = { type: "user", user_id: USER, trust_tier: "trusted" };
    const anyUser = row({ actor_type: "user", agent_id: null, scope: "global", policy: "require_approval" });
    const mine = row({ actor_type: "user", agent_id: null, scope: "global", user_id: USER, policy: "auto_approve" });
    expect(resolve([anyUser, mine], me).matched_policy_id).toBe(mine.id);
    expect(resolve([anyUser, mine], { ...me, user_id: AGENT }).matched_policy_id).toBe(anyUser.id);
  });

  it("ties go to the stricter level, then the lower id", () => {
    const lax = row({ policy: "auto_approve" });
    const strict = row({ policy: "require_approval" });
    expect(resolve([lax, strict]).matched_policy_id).toBe(strict.id);
    expect(resolve([strict, lax]).matched_policy_id).toBe(strict.id);
    const a = row({ policy: "notify_and_proceed" });
    const b = row({ policy: "notify_and_proceed" });
    expect(resolve([b, a]).matched_policy_id).toBe(a.id);
  });

  it("silent resolves exactly as block; an unknown stored level blocks as unknown_policy", () => {
    expect(resolve([row({ policy: "silent" })])).toMatchObject({
      level: "block",
      base_policy: "silent",
      reason: "matched",
    });
    expect(resolve([row({ policy: "maybe" })])).toMatchObject({
      level: "block",
      base_policy: "maybe",
      reason: "unknown_policy",
    });
  });

  it.each([
    [null, "monitored", false],
    ["supervised", "monitored", false],
    ["monitored", "monitored", true],
    ["trusted", "monitored", true],
    ["monitored", "trusted", false],
    ["autonomous", "autonomous", true],
  ] as const)("caller tier %s vs minimum %s → matches %s", (tier, minimum, matches) => {
    const r = row({ conditions: { trust_tier_minimum: minimum } });
    expect(resolve([r], { ...agent, trust_tier: tier }).matched_policy_id).toBe(matches ? r.id : null);
  });

  it.each([
    // [start, end, UTC time, in quiet hours]
    [9, 17, "08:59", false],
    [9, 17, "09:00", true],
    [9, 17, "16:59", true],
    [9, 17, "17:00", false],
    [22, 6, "21:59", false],
    [22, 6, "22:00", true],
    [22, 6, "03:00", true],
    [22, 6, "05:59", true],
    [22, 6, "06:00", false],
  ] as const)("quiet hours [%i, %i) at %s UTC → suppressed %s", (start, end, time, quiet) => {
    const r = row({ conditions: { quiet_hours: { start, end, timezone: "UTC" } } });
    const now = new Date(`2026-06-01T${time}:00Z`);
    expect(resolve([r], agent, now).matched_policy_id).toBe(quiet ? null : r.id);
  });

  it("quiet hours use the row's time zone", () => {
    // 12:30 UTC is 14:30 in Berlin (CEST): inside [14, 15) there, outside it in UTC.
    const berlin = row({ conditions: { quiet_hours: { start: 14, end: 15, timezone: "Europe/Berlin" } } });
    const utc = row({ conditions: { quiet_hours: { start: 14, end: 15, timezone: "UTC" } } });
    expect(resolve([berlin]).matched_policy_id).toBeNull();
    expect(resolve([utc]).matched_policy_id).toBe(utc.id);
    expect(localHour(NOON, "Asia/Tokyo")).toBe(21);
    expect(inQuietHours(23, 22, 6)).toBe(true);
  });

  it("a quiet-hours row falling away lets the next row win", () => {
    const night = row({
      policy: "auto_approve",
      priority: 5,
      conditions: { quiet_hours: { start: 12, end: 13, timezone: "UTC" } },
    });
    const fallback = row({ policy: "require_approval" });
    expect(resolve([night, fallback]).matched_policy_id).toBe(fallback.id);
    expect(resolve([night, fallback], agent, new Date("2026-06-01T14:00:00Z")).matched_policy_id).toBe(night.id);
  });
});

describe("category registry", () => {
  it("holds each §3.9 category once with its default level", () => {
    const names = ACTION_CATEGORIES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(26);
    expect(findCategory("instance.mark_dead")?.defaultLevel).toBe("auto_approve");
    expect(findCategory("fleet.rollout_resume")).toMatchObject({
      defaultLevel: "require_approval",
      forcedApproval: true,
    });
    expect(findCategory("module.rollback")?.flags).toEqual({
      defer: false,
      advisory: false,
      fleet: true,
      neverLoosen: true,
    });
    expect(findCategory("nope")).toBeUndefined();
  });

  it("builds dedup keys from params, with fallbacks and the fingerprint", () => {
    const up = findCategory("fleet.rolling_upgrade")!;
    expect(dedupKeyOf(up, { module_id: "m1", to_version_id: "v2" }, "fp")).toBe("fleet.rolling_upgrade:m1+v2");
    const q = findCategory("instance.quarantine")!;
    expect(dedupKeyOf(q, { module_id: "m1" }, "fp")).toBe("instance.quarantine:m1");
    expect(dedupKeyOf(findCategory("observation")!, { instance_id: "i" }, "fp9")).toBe("observation:fp9");
    expect(dedupKeyOf(findCategory("module.sync")!, {}, "fp9")).toBe("module.sync:fp9");
  });
});

describe("actionDigest", () => {
  const payload = {
    account_id: "a",
    action_category: "module.sync",
    target: { type: "node_instance", id: "i1" },
    params: { b: 1, a: [1, 2] },
  };
  it("is the hex sha256 of the canonical action and ignores key order", () => {
    const d = actionDigest(payload);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(
      actionDigest({
        params: { a: [1, 2], b: 1 },
        target: { id: "i1", type: "node_instance" },
        action_category: "module.sync",
        account_id: "a",
      }),
    ).toBe(d);
  });
  it("changes with any action-defining field and ignores anything else", () => {
    const d = actionDigest(payload);
    expect(actionDigest({ ...payload, params: { ...payload.params, b: 2 } })).not.toBe(d);
    expect(actionDigest({ ...payload, target: { type: "node_instance", id: "i2" } })).not.toBe(d);
    expect(actionDigest({ ...payload, reading: 42 } as typeof payload)).toBe(d);
  });
});
