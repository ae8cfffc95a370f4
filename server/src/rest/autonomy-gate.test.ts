// The autonomy gate's catalog operations over REST (spec/autonomy.md §3.2–3.5): the per-account
// seed, intervention policy CRUD with its validation and audit, approval requests with four-eyes,
// hash binding, multi-step chains, expiry and refresh in place, module consent budgets, and the
// decision log.
import { randomUUID } from "node:crypto";
import {
  ACTION_CATEGORIES,
  actionDigest,
  consumeConsentBudget,
  createApprovalRequest,
  decideApproval,
  type EventOrigin,
  expireOverdueApprovals,
  issueToken,
  loadAutonomyAgent,
  type Principal,
  recordDecision,
  rejectionCooldownUntil,
  systemPrincipal,
} from "@nodepilot/core";
import {
  approval_chains,
  approval_decisions,
  approval_requests,
  autonomy_agents,
  fleet_decisions,
  fleet_events,
  intervention_policies,
  node_modules,
  users,
} from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let third: { token: string; userId: string };
let writerUserId: string;

const db = () => fleet.runtime.database.db;
const accountId = () => fleet.runtime.accountId;

const origin = (now = new Date(), principal: Principal = systemPrincipal(accountId(), [])): EventOrigin => ({
  principal,
  source: "gate",
  correlationId: "tick:test",
  now,
});

const payload = (id: string, params: Record<string, unknown> = {}) => ({
  account_id: accountId(),
  action_category: "instance.recover",
  target: { type: "node_instance", id },
  params: { instance_id: id, operation: "reboot", ...params },
});

async function request(opts: {
  target?: string;
  params?: Record<string, unknown>;
  now?: Date;
  requestedBy?: string | null;
  chainId?: string | null;
}) {
  const target = opts.target ?? randomUUID();
  return db().transaction((tx) =>
    createApprovalRequest(tx, origin(opts.now), {
      action_payload: payload(target, opts.params),
      dedup_key: `instance.recover:${target}`,
      severity: "high",
      description: `Reboot instance ${target}`,
      fingerprint: `fp-${target}`,
      signal_kind: "instance_silent",
      requested_by_user_id: opts.requestedBy ?? null,
      approval_chain_id: opts.chainId ?? null,
    }),
  );
}

const approve = (id: string, hash: string, token = fleet.tokens.writer) =>
  fleet.api("POST", `/api/v1/autonomy/approval_requests/${id}/approve`, { token, body: { payload_hash: hash } });

async function eventsOf(kind: string, subjectId?: string) {
  const rows = await db()
    .select()
    .from(fleet_events)
    .where(and(eq(fleet_events.account_id, accountId()), eq(fleet_events.kind, kind)))
    .orderBy(fleet_events.seq);
  return subjectId ? rows.filter((r) => r.subject_id === subjectId) : rows;
}

async function createModule(name: string) {
  const res = await fleet.api("POST", "/api/v1/node_modules", { body: { name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as string;
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  other = await createTestFleet({ startRunners: false });
  const [u] = await db()
    .insert(users)
    .values({ account_id: accountId(), email: `third-${randomUUID()}@test`, display_name: "third", role: "operator" })
    .returning();
  const t = await issueToken(db(), {
    accountId: accountId(),
    userId: u!.id,
    name: "third approver",
    scopes: ["fleet:write", "autonomy:write"],
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  third = { token: t.plaintext, userId: u!.id };
  const me = await fleet.api("GET", "/api/v1/autonomy/approval_requests", { token: fleet.tokens.writer });
  expect(me.status).toBe(200);
  const [writer] = await db()
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.account_id, accountId()), eq(users.role, "operator"), eq(users.display_name, "operator")));
  writerUserId = writer!.id;
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("seed", () => {
  it("gives every account the Fleet Autonomy agent, the approval chain and one policy per category", async () => {
    const agent = await loadAutonomyAgent(db(), accountId());
    expect(agent).toMatchObject({ name: "Fleet Autonomy", agent_type: "monitor", trust_tier: "monitored" });
    const [chain] = await db().select().from(approval_chains).where(eq(approval_chains.account_id, accountId()));
    expect(chain).toMatchObject({
      name: "Fleet Autonomy Actions",
      timeout_hours: 4,
      timeout_action: "reject",
      steps: [{ name: "Fleet Operator Approval", approvers: ["*"], required_approvals: 1 }],
    });
    const res = await fleet.api("GET", "/api/v1/autonomy/policies?limit=200", { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    const seeded = Object.fromEntries(res.body.data.map((p: any) => [p.action_category, p]));
    expect(Object.keys(seeded).sort()).toEqual(ACTION_CATEGORIES.map((c) => c.name).sort());
    for (const c of ACTION_CATEGORIES) {
      expect(seeded[c.name]).toMatchObject({
        scope: "agent",
        actor_type: "agent",
        agent_id: agent.id,
        policy: c.defaultLevel,
        priority: 10,
        conditions: { trust_tier_minimum: "monitored" },
      });
    }
    const theirs = await other.api("GET", "/api/v1/autonomy/policies?limit=200");
    expect(theirs.body.data.every((p: any) => p.agent_id !== agent.id)).toBe(true);
  });
});

describe("intervention policies", () => {
  const base = { scope: "global", action_category: "module.sync", actor_type: "agent", policy: "block", priority: 50 };

  it("creates, reads, updates and deletes a policy, each write a fleet event", async () => {
    const created = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: { ...base, conditions: { quiet_hours: { start: 22, end: 6 } }, preferred_channels: ["chat"] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const p = created.body.data;
    expect(p).toMatchObject({
      ...base,
      agent_id: null,
      conditions: { quiet_hours: { start: 22, end: 6, timezone: "UTC" } },
      is_active: true,
      version: 1,
    });
    const got = await fleet.api("GET", `/api/v1/autonomy/policies/${p.id}`, { token: fleet.tokens.reader });
    expect(got.body.data).toEqual(p);
    const updated = await fleet.api("PATCH", `/api/v1/autonomy/policies/${p.id}`, {
      body: { policy: "require_approval", is_active: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ policy: "require_approval", is_active: false, version: 2 });
    const deleted = await fleet.api("DELETE", `/api/v1/autonomy/policies/${p.id}`);
    expect(deleted.body.data).toEqual({ id: p.id, deleted: true });
    expect((await fleet.api("GET", `/api/v1/autonomy/policies/${p.id}`)).status).toBe(404);
    const kinds = [
      ...(await eventsOf("autonomy.policy_created", p.id)),
      ...(await eventsOf("autonomy.policy_updated", p.id)),
      ...(await eventsOf("autonomy.policy_deleted", p.id)),
    ];
    expect(kinds.map((e) => e.kind)).toEqual([
      "autonomy.policy_created",
      "autonomy.policy_updated",
      "autonomy.policy_deleted",
    ]);
    expect(kinds[1]!.payload.changed).toEqual({
      policy: { from: "block", to: "require_approval" },
      is_active: { from: true, to: false },
    });
  });

  it.each([
    ["action_category", { action_category: "module.teleport" }],
    ["policy", { policy: "sometimes" }],
    ["conditions.trust_tier_minimum", { conditions: { trust_tier_minimum: "godlike" } }],
    [
      "conditions.quiet_hours.timezone",
      { conditions: { quiet_hours: { start: 1, end: 2, timezone: "Mars/Olympus" } } },
    ],
    ["conditions.quiet_hours.end", { conditions: { quiet_hours: { start: 3, end: 3 } } }],
    ["conditions.quiet_hours.start", { conditions: { quiet_hours: { start: 24, end: 3 } } }],
    ["conditions.color", { conditions: { color: "red" } }],
    ["priority", { priority: 1001 }],
    ["agent_id", { scope: "agent", agent_id: null }],
    ["agent_id", { agent_id: randomUUID() }],
  ])("refuses an invalid %s, naming the field", async (path, patch) => {
    const res = await fleet.api("POST", "/api/v1/autonomy/policies", { body: { ...base, ...patch } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("invalid_input");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("refuses a second active row with the same key, allows it once the first is inactive", async () => {
    const body = { ...base, action_category: "cert.rotate", priority: 77 };
    const first = await fleet.api("POST", "/api/v1/autonomy/policies", { body });
    expect(first.status).toBe(201);
    const dup = await fleet.api("POST", "/api/v1/autonomy/policies", { body: { ...body, policy: "auto_approve" } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("conflict");
    await fleet.api("PATCH", `/api/v1/autonomy/policies/${first.body.data.id}`, { body: { is_active: false } });
    expect((await fleet.api("POST", "/api/v1/autonomy/policies", { body })).status).toBe(201);
    const reactivate = await fleet.api("PATCH", `/api/v1/autonomy/policies/${first.body.data.id}`, {
      body: { is_active: true },
    });
    expect(reactivate.status).toBe(409);
  });

  it("needs autonomy:admin to write and keeps accounts apart", async () => {
    const res = await fleet.api("POST", "/api/v1/autonomy/policies", { token: fleet.tokens.writer, body: base });
    expect(res.status).toBe(403);
    const mine = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: { ...base, action_category: "storage.reconcile" },
    });
    expect((await other.api("GET", `/api/v1/autonomy/policies/${mine.body.data.id}`)).status).toBe(404);
    expect((await other.api("DELETE", `/api/v1/autonomy/policies/${mine.body.data.id}`)).status).toBe(404);
  });
});

describe("policy resolution over the API", () => {
  it("resolves the seeded row for the agent, and approval for a demoted agent or an unknown user", async () => {
    const agent = await loadAutonomyAgent(db(), accountId());
    const q = (params: Record<string, string>) =>
      fleet.api("GET", `/api/v1/autonomy/policies/resolve?${new URLSearchParams(params)}`, {
        token: fleet.tokens.reader,
      });
    const seeded = await q({
      action_category: "instance.mark_dead",
      actor_type: "agent",
      agent_id: agent.id,
      trust_tier: "monitored",
    });
    expect(seeded.status, JSON.stringify(seeded.body)).toBe(200);
    const [row] = await db()
      .select()
      .from(intervention_policies)
      .where(
        and(
          eq(intervention_policies.agent_id, agent.id),
          eq(intervention_policies.action_category, "instance.mark_dead"),
        ),
      );
    expect(seeded.body.data).toMatchObject({ level: "auto_approve", matched_policy_id: row!.id, reason: "matched" });
    const demoted = await q({
      action_category: "instance.mark_dead",
      actor_type: "agent",
      agent_id: agent.id,
      trust_tier: "supervised",
    });
    expect(demoted.body.data).toMatchObject({ level: "require_approval", reason: "no_matching_policy" });
    const user = await q({ action_category: "instance.mark_dead", actor_type: "user", user_id: writerUserId });
    expect(user.body.data.reason).toBe("no_matching_policy");
    const bad = await q({ action_category: "instance.vanish", actor_type: "agent" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain("action_category");
  });

  it("a global * block outranked by the agent's own row; an agent block row wins over it at higher priority", async () => {
    const agent = await loadAutonomyAgent(db(), accountId());
    const block = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: { scope: "global", action_category: "*", actor_type: "agent", policy: "block", priority: 1000 },
    });
    expect(block.status).toBe(201);
    const params = new URLSearchParams({
      action_category: "package.repository_sync",
      actor_type: "agent",
      agent_id: agent.id,
      trust_tier: "monitored",
    });
    const res = await fleet.api("GET", `/api/v1/autonomy/policies/resolve?${params}`);
    expect(res.body.data.level).toBe("auto_approve");
    const mine = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: {
        scope: "agent",
        action_category: "package.repository_sync",
        actor_type: "agent",
        agent_id: agent.id,
        policy: "silent",
        priority: 11,
      },
    });
    expect(mine.status).toBe(201);
    const after = await fleet.api("GET", `/api/v1/autonomy/policies/resolve?${params}`);
    expect(after.body.data).toMatchObject({
      level: "block",
      base_policy: "silent",
      matched_policy_id: mine.body.data.id,
    });
    await fleet.api("DELETE", `/api/v1/autonomy/policies/${block.body.data.id}`);
    await fleet.api("DELETE", `/api/v1/autonomy/policies/${mine.body.data.id}`);
  });
});

describe("approval requests", () => {
  it("creates a request bound to the action digest with a 4 h expiry, and lists it", async () => {
    const now = new Date();
    const { request: r, outcome } = await request({ now });
    expect(outcome).toBe("created");
    expect(r.payload_hash).toBe(actionDigest(r.action_payload));
    expect(r.expires_at.getTime() - now.getTime()).toBe(4 * 3_600_000);
    const list = await fleet.api("GET", "/api/v1/autonomy/approval_requests?status=pending", {
      token: fleet.tokens.reader,
    });
    expect(list.body.data.map((x: any) => x.id)).toContain(r.id);
    const got = await fleet.api("GET", `/api/v1/autonomy/approval_requests/${r.id}`, { token: fleet.tokens.reader });
    expect(got.body.data).toMatchObject({
      status: "pending",
      payload_hash: r.payload_hash,
      chain: { name: "Fleet Autonomy Actions" },
      decisions: [],
    });
    expect(await eventsOf("autonomy.approval_requested", r.id)).toHaveLength(1);
    expect((await other.api("GET", `/api/v1/autonomy/approval_requests/${r.id}`)).status).toBe(404);
  });

  it("approves with the reviewed hash: one decision row and one event, then not_pending", async () => {
    const { request: r } = await request({});
    const res = await approve(r.id, r.payload_hash);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ status: "approved", decided_at: expect.any(String) });
    expect(res.body.data.decisions).toEqual([
      expect.objectContaining({
        verdict: "approve",
        user_id: writerUserId,
        step_index: 0,
        payload_hash_seen: r.payload_hash,
      }),
    ]);
    expect(await eventsOf("autonomy.approval_approved", r.id)).toHaveLength(1);
    const again = await approve(r.id, r.payload_hash, third.token);
    expect(again.status).toBe(409);
    expect([again.body.reason, again.body.current_state]).toEqual(["not_pending", "approved"]);
  });

  it("refuses a decision on a changed action (payload_changed) and leaves nothing", async () => {
    const { request: r } = await request({});
    const res = await approve(r.id, "0".repeat(64));
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe("payload_changed");
    expect(res.body.payload_hash).toBe(r.payload_hash);
    const rows = await db().select().from(approval_decisions).where(eq(approval_decisions.approval_request_id, r.id));
    expect(rows).toHaveLength(0);
  });

  it("four eyes: the requester may not decide, nor an agent", async () => {
    const [owner] = await db()
      .select()
      .from(users)
      .where(and(eq(users.account_id, accountId()), eq(users.role, "owner")));
    const { request: r } = await request({ requestedBy: owner!.id });
    const mine = await approve(r.id, r.payload_hash, fleet.tokens.admin);
    expect(mine.status).toBe(403);
    expect(mine.body.reason).toBe("four_eyes");
    const agent = await loadAutonomyAgent(db(), accountId());
    const agentPrincipal: Principal = {
      ...systemPrincipal(accountId(), ["autonomy:admin"]),
      actorType: "agent",
      actorId: agent.id,
    };
    await expect(
      db().transaction((tx) =>
        decideApproval(tx, origin(new Date(), agentPrincipal), {
          id: r.id,
          verdict: "approve",
          payload_hash: r.payload_hash,
        }),
      ),
    ).rejects.toMatchObject({ code: "forbidden", reason: "four_eyes" });
    // Someone else may.
    expect((await approve(r.id, r.payload_hash)).body.data.status).toBe("approved");
  });

  it("rejects with a reason, which is required", async () => {
    const { request: r } = await request({});
    const path = `/api/v1/autonomy/approval_requests/${r.id}/reject`;
    const bare = await fleet.api("POST", path, { token: fleet.tokens.writer, body: { payload_hash: r.payload_hash } });
    expect(bare.status).toBe(400);
    expect(bare.body.errors.map((e: { path: string }) => e.path)).toContain("reason");
    const blank = await fleet.api("POST", path, {
      token: fleet.tokens.writer,
      body: { payload_hash: r.payload_hash, reason: "  " },
    });
    expect(blank.status).toBe(400);
    const res = await fleet.api("POST", path, {
      token: fleet.tokens.writer,
      body: { payload_hash: r.payload_hash, reason: "change freeze" },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: "rejected", rejection_reason: "change freeze" });
    expect(res.body.data.decisions[0]).toMatchObject({ verdict: "reject", comment: "change freeze" });
    expect((await eventsOf("autonomy.approval_rejected", r.id))[0]!.payload).toMatchObject({
      comment: "change freeze",
    });
    expect(
      (
        await fleet.api("POST", path, {
          token: fleet.tokens.reader,
          body: { payload_hash: r.payload_hash, reason: "x" },
        })
      ).status,
    ).toBe(403);
  });

  it("an overdue request is refused as expired and stays expired (counts as rejection)", async () => {
    const { request: r } = await request({ now: new Date(Date.now() - 5 * 3_600_000) });
    const res = await approve(r.id, r.payload_hash);
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe("expired");
    const got = await fleet.api("GET", `/api/v1/autonomy/approval_requests/${r.id}`);
    expect(got.body.data).toMatchObject({ status: "expired", decisions: [] });
    expect(await eventsOf("autonomy.approval_expired", r.id)).toHaveLength(1);
    expect((await approve(r.id, r.payload_hash)).body.reason).toBe("not_pending");
  });

  it("a rejected or expired dedup key is in cooldown for the given seconds, a pending or approved one is not", async () => {
    const target = randomUUID();
    const { request: r } = await request({ target });
    const key = r.dedup_key;
    const now = new Date();
    expect(await rejectionCooldownUntil(db(), accountId(), key, now, 3600)).toBeNull();
    const res = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${r.id}/reject`, {
      token: fleet.tokens.writer,
      body: { payload_hash: r.payload_hash, reason: "not now" },
    });
    const decidedAt = new Date(res.body.data.decided_at);
    const until = await rejectionCooldownUntil(db(), accountId(), key, new Date(), 3600);
    expect(until?.toISOString()).toBe(new Date(decidedAt.getTime() + 3_600_000).toISOString());
    const after = new Date(decidedAt.getTime() + 3_600_001);
    expect(await rejectionCooldownUntil(db(), accountId(), key, after, 3600)).toBeNull();
    expect(await rejectionCooldownUntil(db(), accountId(), key, after, 14_400)).not.toBeNull();
    const approvedKey = (await request({})).request;
    await approve(approvedKey.id, approvedKey.payload_hash);
    expect(await rejectionCooldownUntil(db(), accountId(), approvedKey.dedup_key, new Date(), 3600)).toBeNull();
  });

  it("expire_overdue expires every overdue pending request with its event, and nothing else", async () => {
    const { request: overdue } = await request({ now: new Date(Date.now() - 4 * 3_600_000 - 1000) });
    const { request: fresh } = await request({});
    const expired = await db().transaction((tx) =>
      expireOverdueApprovals(tx, { now: new Date(), accountId: accountId() }),
    );
    expect(expired.map((e) => e.id)).toEqual([overdue.id]);
    const [a] = await db().select().from(approval_requests).where(eq(approval_requests.id, overdue.id));
    const [b] = await db().select().from(approval_requests).where(eq(approval_requests.id, fresh.id));
    expect([a!.status, b!.status]).toEqual(["expired", "pending"]);
    expect(await eventsOf("autonomy.approval_expired", overdue.id)).toHaveLength(1);
  });

  it("multi-step chain: distinct approvals per step, in order, and no one decides two steps", async () => {
    const [chain] = await db()
      .insert(approval_chains)
      .values({
        account_id: accountId(),
        name: `two-step-${randomUUID()}`,
        steps: [
          { name: "operators", approvers: ["*"], required_approvals: 2 },
          { name: "owner", approvers: ["role:owner"], required_approvals: 1 },
        ],
      })
      .returning();
    const { request: r } = await request({ chainId: chain!.id });
    const first = await approve(r.id, r.payload_hash);
    expect(first.body.data).toMatchObject({ status: "pending", current_step: 0 });
    expect(await eventsOf("autonomy.approval_step_approved", r.id)).toHaveLength(1);
    const twice = await approve(r.id, r.payload_hash);
    expect([twice.status, twice.body.reason]).toEqual([409, "already_decided"]);
    const second = await approve(r.id, r.payload_hash, third.token);
    expect(second.body.data).toMatchObject({ status: "pending", current_step: 1 });
    // Step 2 is the owner's: the operators who decided step 1 are four-eyes refused.
    const again = await approve(r.id, r.payload_hash, third.token);
    expect([again.status, again.body.reason]).toEqual([403, "four_eyes"]);
    const owner = await approve(r.id, r.payload_hash, fleet.tokens.admin);
    expect(owner.body.data.status).toBe("approved");
    expect(owner.body.data.decisions.map((d: any) => d.step_index)).toEqual([0, 0, 1]);
  });

  it("a non-approver of the step is refused", async () => {
    const [chain] = await db()
      .insert(approval_chains)
      .values({
        account_id: accountId(),
        name: `owner-only-${randomUUID()}`,
        steps: [{ name: "owner", approvers: ["role:owner"], required_approvals: 1 }],
      })
      .returning();
    const { request: r } = await request({ chainId: chain!.id });
    const res = await approve(r.id, r.payload_hash);
    expect([res.status, res.body.reason]).toEqual([403, "not_approver"]);
  });

  it("refresh in place: same dedup key never duplicates; a changed hash voids approvals, keeps expires_at", async () => {
    const [chain] = await db()
      .insert(approval_chains)
      .values({
        account_id: accountId(),
        name: `two-approvals-${randomUUID()}`,
        steps: [{ name: "operators", approvers: ["*"], required_approvals: 2 }],
      })
      .returning();
    const target = randomUUID();
    const t0 = new Date(Date.now() - 60_000);
    const { request: r } = await request({ target, chainId: chain!.id, now: t0 });
    await approve(r.id, r.payload_hash);
    const same = await request({ target, now: new Date() });
    expect(same.outcome).toBe("unchanged");
    expect(same.request.id).toBe(r.id);
    const keptDecisions = await db()
      .select()
      .from(approval_decisions)
      .where(eq(approval_decisions.approval_request_id, r.id));
    expect(keptDecisions.filter((d) => d.voided_at === null)).toHaveLength(1);

    const changed = await request({ target, params: { operation: "start" }, now: new Date() });
    expect(changed.outcome).toBe("refreshed");
    expect(changed.request.id).toBe(r.id);
    expect(changed.request.payload_hash).not.toBe(r.payload_hash);
    expect(changed.request.current_step).toBe(0);
    expect(changed.request.expires_at.toISOString()).toBe(r.expires_at.toISOString());
    const voided = await db().select().from(approval_decisions).where(eq(approval_decisions.approval_request_id, r.id));
    expect(voided.every((d) => d.voided_at !== null)).toBe(true);
    expect((await eventsOf("autonomy.approval_refreshed", r.id))[0]!.payload).toMatchObject({
      previous_payload_hash: r.payload_hash,
      payload_hash: changed.request.payload_hash,
      voided_decisions: 1,
    });
    const pending = await db()
      .select()
      .from(approval_requests)
      .where(and(eq(approval_requests.account_id, accountId()), eq(approval_requests.dedup_key, r.dedup_key)));
    expect(pending).toHaveLength(1);
    // The old digest no longer decides anything; the voided approver may approve the new action.
    expect((await approve(r.id, r.payload_hash)).body.reason).toBe("payload_changed");
    expect((await approve(r.id, changed.request.payload_hash)).body.data).toMatchObject({ status: "pending" });
    expect((await approve(r.id, changed.request.payload_hash, third.token)).body.data.status).toBe("approved");
  });
});

describe("consent budgets", () => {
  it("reads unlimited by default, sets, consumes, and resets with audited events", async () => {
    const id = await createModule(`budget-${randomUUID().slice(0, 8)}`);
    const path = `/api/v1/node_modules/${id}/consent_budget`;
    expect((await fleet.api("GET", path, { token: fleet.tokens.reader })).body.data).toEqual({
      limit: null,
      used: 0,
      remaining: null,
      window_start_at: null,
      window_ends_at: null,
    });
    expect((await fleet.api("PATCH", path, { token: fleet.tokens.writer, body: { limit: 2 } })).status).toBe(403);
    const set = await fleet.api("PATCH", path, { body: { limit: 2 } });
    expect(set.body.data).toMatchObject({ limit: 2, used: 0, remaining: 2 });
    const now = new Date();
    const consume = () => db().transaction((tx) => consumeConsentBudget(tx, accountId(), [id], now));
    expect(await consume()).toEqual({ ok: true, consumed: [{ module_id: id, used: 1, limit: 2 }] });
    expect((await consume()).ok).toBe(true);
    expect(await consume()).toEqual({
      ok: false,
      reason: "consent_budget_exhausted",
      budget: { module_id: id, used: 2, limit: 2, window_start_at: now.toISOString() },
    });
    const got = (await fleet.api("GET", path)).body.data;
    expect(got).toEqual({
      limit: 2,
      used: 2,
      remaining: 0,
      window_start_at: now.toISOString(),
      window_ends_at: new Date(now.getTime() + 86_400_000).toISOString(),
    });
    // The window rolls 24 h after its start: the next consume starts a new one at 1.
    const later = new Date(now.getTime() + 86_400_000);
    const rolled = await db().transaction((tx) => consumeConsentBudget(tx, accountId(), [id], later));
    expect(rolled).toEqual({ ok: true, consumed: [{ module_id: id, used: 1, limit: 2 }] });
    const reset = await fleet.api("POST", `${path}/reset`);
    expect(reset.body.data).toMatchObject({ limit: 2, used: 0, window_start_at: null });
    const unlimited = await fleet.api("PATCH", path, { body: { limit: 0 } });
    expect(unlimited.body.data.limit).toBeNull();
    expect(
      (await eventsOf("autonomy.consent_budget_updated", id)).map(
        (e) => (e.payload.after as { limit: number | null }).limit,
      ),
    ).toEqual([2, null]);
    expect(await eventsOf("autonomy.consent_budget_reset", id)).toHaveLength(1);
    expect((await other.api("GET", path)).status).toBe(404);
  });

  it("consumes all touched modules or none, and leaves the caller's transaction usable", async () => {
    const a = await createModule(`budget-a-${randomUUID().slice(0, 8)}`);
    const b = await createModule(`budget-b-${randomUUID().slice(0, 8)}`);
    await db().update(node_modules).set({ consent_budget_per_day: 5 }).where(eq(node_modules.id, a));
    await db()
      .update(node_modules)
      .set({ consent_budget_per_day: 1, consent_budget_used_count: 1, consent_budget_window_start_at: new Date() })
      .where(eq(node_modules.id, b));
    const result = await db().transaction(async (tx) => {
      const r = await consumeConsentBudget(tx, accountId(), [a, b], new Date());
      // The caller goes on in the same transaction (to record a pending decision).
      await recordDecision(tx, origin(), { decision: "pending", reasons: [{ code: "consent_budget_exhausted" }] });
      return r;
    });
    expect(result).toMatchObject({ ok: false, budget: { module_id: b, used: 1, limit: 1 } });
    const [rowA] = await db().select().from(node_modules).where(eq(node_modules.id, a));
    expect(rowA!.consent_budget_used_count).toBe(0);
  });
});

describe("decision log", () => {
  it("records a decision with its reasons and its autonomy.decision.<decision> event", async () => {
    const agent = await loadAutonomyAgent(db(), accountId());
    const fp = `fp-${randomUUID()}`;
    const row = await db().transaction((tx) =>
      recordDecision(tx, origin(), {
        decision: "blocked",
        reasons: [{ code: "policy_block", detail: { policy: "block" } }],
        fingerprint: fp,
        signal_kind: "instance_silent",
        severity: "high",
        action_category: "instance.recover",
        agent_id: agent.id,
        gate: "block",
        base_policy: "block",
      }),
    );
    const [stored] = await db().select().from(fleet_decisions).where(eq(fleet_decisions.id, row.id));
    expect(stored).toMatchObject({
      decision: "blocked",
      reasons: [{ code: "policy_block", detail: { policy: "block" } }],
    });
    const [event] = await eventsOf("autonomy.decision.blocked", row.id);
    expect(event).toMatchObject({ fingerprint: fp, correlation_id: "tick:test", source: "gate" });
    expect(event!.payload).toMatchObject({ decision_id: row.id, reasons: [{ code: "policy_block" }] });
  });
});

describe("tables", () => {
  it("each account has its own agent, and the seeded policies name it", async () => {
    const theirDb = other.runtime.database.db;
    const agents = await theirDb
      .select()
      .from(autonomy_agents)
      .where(eq(autonomy_agents.account_id, other.runtime.accountId));
    expect(agents).toHaveLength(1);
    const policies = await theirDb
      .select()
      .from(intervention_policies)
      .where(eq(intervention_policies.agent_id, agents[0]!.id));
    expect(policies).toHaveLength(ACTION_CATEGORIES.length);
    expect(policies.every((p) => p.account_id === other.runtime.accountId)).toBe(true);
  });
});
