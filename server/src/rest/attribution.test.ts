// Failure attribution over REST (spec/autonomy.md §5.2, §5.4): analyze ranks an instance's suspects
// from an assignment change, a promotion to live and module events; feedback records a learning and
// its event once per actor and verdict in 24 h; later analyses boost a confirmed suspect ×1.5 and damp
// a rejected one ×0.7, listing the feedback. Field-named errors, scopes and tenancy.
import { randomUUID } from "node:crypto";
import { embedPending, emitEvent, type Severity, systemPrincipal } from "@nodepilot/core";
import {
  fleet_events,
  learnings,
  module_versions,
  node_instances,
  node_module_assignments,
  provider_connections,
  provider_regions,
  providers,
} from "@nodepilot/store";
import { and, count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let instanceId: string;
let nodeId: string;
const mods: Record<"nginx" | "postgres" | "telemetry", string> = { nginx: "", postgres: "", telemetry: "" };
let otherInstanceId: string;
let otherModuleId: string;
const HOUR = 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

async function makeNode(f: TestFleet, name: string) {
  const res = await f.api("POST", "/api/v1/nodes", {
    body: { name, node_template_id: await f.createTemplate(`${name}-tpl`) },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as string;
}

/** An instance row as the provisioning runner leaves it (running), on the account's local connection. */
async function insertInstance(f: TestFleet, node: string) {
  const db = f.runtime.database.db;
  const [place] = await db
    .select({ connectionId: provider_connections.id, regionId: provider_regions.id })
    .from(provider_regions)
    .innerJoin(provider_connections, eq(provider_connections.id, provider_regions.provider_connection_id))
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(and(eq(providers.account_id, f.runtime.accountId), eq(providers.provider_type, "local")));
  const [row] = await db
    .insert(node_instances)
    .values({
      account_id: f.runtime.accountId,
      node_id: node,
      name: `i-${randomUUID().slice(0, 8)}`,
      variety: "local",
      status: "running",
      provider_connection_id: place!.connectionId,
      provider_region_id: place!.regionId,
    })
    .returning();
  return row!.id;
}

async function createModule(f: TestFleet, name: string) {
  const res = await f.api("POST", "/api/v1/node_modules", { body: { name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as string;
}

async function emit(severity: Severity, refs: Record<string, string>, kind = "module.health_failed", at?: Date) {
  const origin = {
    principal: systemPrincipal(fleet.runtime.accountId, []),
    source: "agent" as const,
    correlationId: null,
    now: new Date(),
  };
  await fleet.runtime.database.db.transaction((tx) =>
    emitEvent(tx, origin, { kind, severity, ...refs, ...(at ? { emitted_at: at } : {}) }),
  );
}

async function eventCount() {
  const [e] = await fleet.runtime.database.db
    .select({ n: count() })
    .from(fleet_events)
    .where(eq(fleet_events.account_id, fleet.runtime.accountId));
  return e!.n;
}

const analyze = (query: string, token?: string) =>
  fleet.api("GET", `/api/v1/fleet/attribution?${query}`, token ? { token } : {});
const feedback = (body: Record<string, unknown>, token?: string) =>
  fleet.api("POST", "/api/v1/fleet/attribution-feedback", { body, ...(token ? { token } : {}) });

type Cand = { kind: string; module_name: string; score: number; base_score: number; adjustment: string | null };
const summary = (cands: Cand[]) => cands.map((c) => [c.module_name, c.kind, c.score]);

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  other = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  const db = fleet.runtime.database.db;
  const acct = fleet.runtime.accountId;
  nodeId = await makeNode(fleet, "attr-node");
  instanceId = await insertInstance(fleet, nodeId);
  for (const name of Object.keys(mods) as (keyof typeof mods)[]) mods[name] = await createModule(fleet, name);

  // nginx and postgres were assigned days ago (rows as an assignment made then looks now, without
  // its long-expired event); telemetry is assigned now, through the API.
  await db.insert(node_module_assignments).values(
    [mods.nginx, mods.postgres].map((m) => ({
      account_id: acct,
      node_id: nodeId,
      node_module_id: m,
      created_at: ago(72 * HOUR),
      updated_at: ago(72 * HOUR),
    })),
  );
  const assigned = await fleet.api("POST", "/api/v1/node_module_assignments", {
    body: { node_id: nodeId, node_module_id: mods.telemetry },
  });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);

  // nginx version 1 was blessed 5 h ago and went live 2 h ago. No operator API stamps live_at yet
  // (publish stops at staging), so the stamps are written as the promotion will write them.
  await db
    .update(module_versions)
    .set({ promotion_state: "live", staging_at: ago(6 * HOUR), blessed_at: ago(5 * HOUR), live_at: ago(2 * HOUR) })
    .where(eq(module_versions.node_module_id, mods.nginx));

  // postgres: a high health failure and a low restart on the instance, a medium warning on its node.
  const pg = { node_module_id: mods.postgres };
  await emit("high", { ...pg, node_instance_id: instanceId }, "module.health_failed", ago(40 * 60_000));
  await emit("low", { ...pg, node_instance_id: instanceId }, "module.restarted", ago(30 * 60_000));
  await emit("medium", { ...pg, node_id: nodeId }, "module.slow_start", ago(10 * 60_000));
  // Outside the window, on another node, or naming no module: none of these count.
  await emit(
    "critical",
    { node_instance_id: instanceId, node_module_id: mods.postgres },
    "module.crashed",
    ago(30 * HOUR),
  );
  const elsewhere = await makeNode(fleet, "attr-other-node");
  await emit("critical", { node_id: elsewhere, node_module_id: mods.nginx }, "module.crashed");
  await emit("critical", { node_instance_id: instanceId }, "instance.silent");

  const otherNode = await makeNode(other, "foreign-node");
  otherInstanceId = await insertInstance(other, otherNode);
  otherModuleId = await createModule(other, "foreign");
}, 120_000);

afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("attribution.analyze", () => {
  it("ranks the events, the promotion to live and the assignment change with their reasons", async () => {
    const res = await analyze(`instance_id=${instanceId}`, fleet.tokens.reader);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const a = res.body.data;
    expect(a).toMatchObject({ instance_id: instanceId, lookback_hours: 24, degraded: null, matched_learning_ids: [] });
    expect(Date.now() - Date.parse(a.cutoff) - 24 * HOUR).toBeLessThan(60_000);
    // postgres: high 16 + low 1 + medium 4, +5 for the high one; nginx: live 12 + blessed 6;
    // telemetry: the new assignment +5, and its assignment.created event (low) +1.
    expect(summary(a.candidates)).toEqual([
      ["postgres", "event_correlation", 26],
      ["nginx", "promotion", 18],
      ["telemetry", "assignment_change", 5],
      ["telemetry", "event_correlation", 1],
    ]);
    expect(a.confidence).toBe(0.52);
    expect(a.top_candidate).toEqual(a.candidates[0]);
    const [pg, nginx, telemetry] = a.candidates;
    expect(pg.reasons).toEqual([
      "3 events named this module in the window (1 high, 1 medium, 1 low)",
      "most severe: module.health_failed (high) 40 min ago",
      "latest: module.slow_start (medium) 10 min ago",
      "+5 for high or critical events",
    ]);
    expect(nginx.reasons).toEqual(["version 1 went live 2 h ago", "version 1 was blessed 5 h ago"]);
    expect(telemetry.reasons).toEqual([expect.stringMatching(/^telemetry was assigned to the node /)]);
    for (const c of a.candidates) expect(c).toMatchObject({ adjustment: null, feedback: [] });
    expect(a.reasoning).toContain("Most likely cause: the events reported of module postgres (score 26 of 50");
  });

  it("narrows to the lookback window", async () => {
    const res = await analyze(`instance_id=${instanceId}&lookback_hours=3`);
    expect(res.status).toBe(200);
    expect(summary(res.body.data.candidates)).toEqual([
      ["postgres", "event_correlation", 26],
      ["nginx", "promotion", 12],
      ["telemetry", "assignment_change", 5],
      ["telemetry", "event_correlation", 1],
    ]);
    const week = await analyze(`instance_id=${instanceId}&lookback_hours=168`);
    // The critical crash 30 h ago is inside a week: 64 more and nothing else changes.
    expect(week.body.data.candidates[0]).toMatchObject({ module_name: "postgres", score: 90 });
  });

  it("says nothing changed for an instance with a quiet node", async () => {
    const quiet = await insertInstance(fleet, await makeNode(fleet, "attr-quiet"));
    const res = await analyze(`instance_id=${quiet}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ candidates: [], top_candidate: null, confidence: null, degraded: null });
    expect(res.body.data.reasoning).toMatch(/^Nothing changed around this instance in the last 24 h/);
  });

  it.each([
    ["0", "lookback_hours"],
    ["169", "lookback_hours"],
    ["1.5", "lookback_hours"],
  ])("refuses lookback_hours=%s naming the field", async (value, field) => {
    const res = await analyze(`instance_id=${instanceId}&lookback_hours=${value}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_input");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([field]);
  });

  it("answers 404 naming instance_id for another account's or an unknown instance", async () => {
    for (const id of [otherInstanceId, randomUUID()]) {
      const res = await analyze(`instance_id=${id}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("not_found");
      expect(res.body.errors).toEqual([{ path: "instance_id", message: "no such instance in this account" }]);
    }
  });
});

describe("attribution.feedback", () => {
  let confirmedId: string;

  it("confirms a suspect: 201, a discovery learning with the tags and title, and the event", async () => {
    const before = await eventCount();
    const res = await feedback(
      {
        instance_id: instanceId,
        candidate_module_id: mods.nginx,
        candidate_kind: "promotion",
        confirmed: true,
        note: "rolled back v1 and it recovered",
      },
      fleet.tokens.writer,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ ok: true, repeated: false });
    confirmedId = res.body.data.learning_id;
    const [row] = await fleet.runtime.database.db.select().from(learnings).where(eq(learnings.id, confirmedId));
    expect(row).toMatchObject({
      account_id: fleet.runtime.accountId,
      source: "attribution_feedback",
      title: "Module nginx confirmed cause of instance failure",
      category: "discovery",
      polarity: "confirmed",
      action_category: "attribution",
      importance_score: 0.7,
      confidence_score: 0.7,
      situation_text: "kind=attribution candidate=promotion module=nginx change=live",
      evidence: [instanceId],
    });
    expect(row!.tags).toEqual(["fleet", "attribution", `module:${mods.nginx}`, "kind:promotion", "outcome:confirmed"]);
    expect(row!.content).toContain("rolled back v1 and it recovered");
    const events = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(
        and(
          eq(fleet_events.account_id, fleet.runtime.accountId),
          eq(fleet_events.kind, "autonomy.attribution_confirmed"),
        ),
      );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      severity: "low",
      subject_type: "node_instance",
      subject_id: instanceId,
      node_instance_id: instanceId,
      node_module_id: mods.nginx,
      actor_type: "user",
    });
    expect(events[0]!.payload).toEqual({
      instance_id: instanceId,
      module_id: mods.nginx,
      module_name: "nginx",
      candidate_kind: "promotion",
      note: "rolled back v1 and it recovered",
      learning_id: confirmedId,
    });
    // The learning's own autonomy.learning_recorded and the feedback event, nothing else.
    expect(await eventCount()).toBe(before + 2);
  });

  it("a repeat by the same person within 24 h answers the same learning and writes nothing", async () => {
    const before = await eventCount();
    const [learningBefore] = await fleet.runtime.database.db
      .select()
      .from(learnings)
      .where(eq(learnings.id, confirmedId));
    const res = await feedback(
      { instance_id: instanceId, candidate_module_id: mods.nginx, candidate_kind: "promotion", confirmed: true },
      fleet.tokens.writer,
    );
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({ ok: true, learning_id: confirmedId, repeated: true });
    expect(await eventCount()).toBe(before);
    const [learningAfter] = await fleet.runtime.database.db
      .select()
      .from(learnings)
      .where(eq(learnings.id, confirmedId));
    expect(learningAfter!.access_count).toBe(learningBefore!.access_count);
  });

  it("boosts the confirmed suspect ×1.5 in the next analysis and lists the feedback", async () => {
    const res = await analyze(`instance_id=${instanceId}`);
    expect(res.status).toBe(200);
    const a = res.body.data;
    expect(summary(a.candidates)).toEqual([
      ["nginx", "promotion", 27],
      ["postgres", "event_correlation", 26],
      ["telemetry", "assignment_change", 5],
      ["telemetry", "event_correlation", 1],
    ]);
    expect(a.top_candidate).toMatchObject({ base_score: 18, adjustment: "boosted_by_prior_confirmation" });
    expect(a.top_candidate.feedback).toEqual([
      {
        learning_id: confirmedId,
        confirmed: true,
        at: expect.any(String),
        actor_type: "user",
        actor_id: expect.any(String),
        note: "rolled back v1 and it recovered",
        instance_id: instanceId,
      },
    ]);
    expect(a.matched_learning_ids).toEqual([confirmedId]);
    expect(a.confidence).toBe(Math.round((27 / 59) * 1000) / 1000);
    expect(a.reasoning).toContain("raised from 18 because an operator confirmed this cause before");
    for (const c of a.candidates.slice(1)) expect(c).toMatchObject({ adjustment: null, feedback: [] });
  });

  it("damps a rejected suspect ×0.7", async () => {
    const res = await feedback(
      {
        instance_id: instanceId,
        candidate_module_id: mods.postgres,
        candidate_kind: "event_correlation",
        confirmed: false,
      },
      fleet.tokens.writer,
    );
    expect(res.status).toBe(201);
    const rejectedId = res.body.data.learning_id;
    const [row] = await fleet.runtime.database.db.select().from(learnings).where(eq(learnings.id, rejectedId));
    expect(row).toMatchObject({
      title: "Module postgres rejected as cause of instance failure",
      polarity: "rejected",
      category: "failure_mode",
    });
    expect(row!.tags).toContain("outcome:rejected");
    const a = (await analyze(`instance_id=${instanceId}`)).body.data;
    expect(summary(a.candidates)).toEqual([
      ["nginx", "promotion", 27],
      ["postgres", "event_correlation", 18],
      ["telemetry", "assignment_change", 5],
      ["telemetry", "event_correlation", 1],
    ]);
    expect(a.candidates[1]).toMatchObject({ base_score: 26, adjustment: "downweighted_by_prior_rejection" });
    expect(a.candidates[1].feedback).toEqual([
      expect.objectContaining({ learning_id: rejectedId, confirmed: false, note: null }),
    ]);
  });

  it("records a changed mind: the opposite verdict by the same person is a new learning", async () => {
    const res = await feedback(
      {
        instance_id: instanceId,
        candidate_module_id: mods.telemetry,
        candidate_kind: "assignment_change",
        confirmed: true,
      },
      fleet.tokens.writer,
    );
    const back = await feedback(
      {
        instance_id: instanceId,
        candidate_module_id: mods.telemetry,
        candidate_kind: "assignment_change",
        confirmed: false,
      },
      fleet.tokens.writer,
    );
    expect(back.status).toBe(201);
    expect(back.body.data.repeated).toBe(false);
    expect(back.body.data.learning_id).not.toBe(res.body.data.learning_id);
    const rows = await fleet.runtime.database.db
      .select()
      .from(learnings)
      .where(inArray(learnings.id, [res.body.data.learning_id, back.body.data.learning_id]));
    // The later rejection weakened the confirmation of the same situation (§5.2).
    expect(rows.find((r) => r.polarity === "confirmed")?.contradiction_note).toMatch(/^Contradicted /);
  });

  it("once embedded, feedback on a similar situation counts too (nginx's confirmation boosts nginx-site)", async () => {
    const db = fleet.runtime.database.db;
    const node = await makeNode(fleet, "attr-sim-node");
    const instance = await insertInstance(fleet, node);
    const site = await createModule(fleet, "nginx-site");
    await db.insert(node_module_assignments).values({
      account_id: fleet.runtime.accountId,
      node_id: node,
      node_module_id: site,
      created_at: ago(72 * HOUR),
      updated_at: ago(72 * HOUR),
    });
    await db
      .update(module_versions)
      .set({ promotion_state: "live", live_at: ago(HOUR) })
      .where(eq(module_versions.node_module_id, site));
    const before = (await analyze(`instance_id=${instance}`)).body.data;
    expect(summary(before.candidates)).toEqual([["nginx-site", "promotion", 12]]);
    expect(before.candidates[0].adjustment).toBeNull();

    const { embedder } = fleet.runtime.learnings;
    while ((await embedPending(db, embedder, { accountId: fleet.runtime.accountId })).embedded > 0);
    const after = (await analyze(`instance_id=${instance}`)).body.data;
    expect(after).toMatchObject({ degraded: null, matched_learning_ids: [confirmedId] });
    expect(after.candidates[0]).toMatchObject({
      score: 18,
      base_score: 12,
      adjustment: "boosted_by_prior_confirmation",
      // Listed feedback is about this very module and kind only.
      feedback: [],
    });
  });

  it.each([
    ["a candidate_kind outside the three", { candidate_kind: "config_change" }, "candidate_kind"],
    ["a note over 500 characters", { note: "x".repeat(501) }, "note"],
    ["a missing confirmed", { confirmed: undefined }, "confirmed"],
    ["an unknown field", { culprit: true }, "culprit"],
  ])("refuses %s naming the field, writing nothing", async (_, patch, field) => {
    const before = await eventCount();
    const res = await feedback({
      instance_id: instanceId,
      candidate_module_id: mods.nginx,
      candidate_kind: "promotion",
      confirmed: true,
      ...patch,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_input");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await eventCount()).toBe(before);
  });

  it("answers 404 naming the field for another account's instance or module", async () => {
    const base = { candidate_kind: "promotion", confirmed: true };
    const foreignInstance = await feedback({ ...base, instance_id: otherInstanceId, candidate_module_id: mods.nginx });
    expect(foreignInstance.status).toBe(404);
    expect(foreignInstance.body.errors[0].path).toBe("instance_id");
    const foreignModule = await feedback({ ...base, instance_id: instanceId, candidate_module_id: otherModuleId });
    expect(foreignModule.status).toBe(404);
    expect(foreignModule.body.errors[0].path).toBe("candidate_module_id");
  });

  it("refuses promotion feedback on a module that was never promoted", async () => {
    const res = await feedback({
      instance_id: instanceId,
      candidate_module_id: mods.telemetry,
      candidate_kind: "promotion",
      confirmed: true,
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "conflict", reason: "no_promotion" });
  });

  it("needs autonomy:write: a read-only token gets 403", async () => {
    const before = await eventCount();
    const res = await feedback(
      { instance_id: instanceId, candidate_module_id: mods.nginx, candidate_kind: "promotion", confirmed: false },
      fleet.tokens.reader,
    );
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "forbidden", required_scope: "autonomy:write" });
    expect(await eventCount()).toBe(before);
  });
});
