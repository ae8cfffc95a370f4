// Learnings over REST (spec/autonomy.md §5.1): the list's filters (source, polarity, status,
// category, tag, title text), newest-first cursor pages, one learning by id without its vector, and
// tenancy. Learnings come from where they are really written: recordLearning as the gate's outcome
// steps call it, and attribution feedback through the API.
import { randomUUID } from "node:crypto";
import { type RecordLearningInput, recordLearning, situationText, systemPrincipal } from "@nodepilot/core";
import { learnings, node_instances, provider_connections, provider_regions, providers } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
const ids: Record<string, string> = {};
let foreignId: string;

async function record(f: TestFleet, input: Omit<RecordLearningInput, "situation_text"> & { kind: string }) {
  const origin = {
    principal: systemPrincipal(f.runtime.accountId, []),
    source: "learning" as const,
    correlationId: null,
    now: new Date(),
  };
  const { kind, ...rest } = input;
  const situation_text = situationText({
    kind,
    category: input.action_category,
    severity: "medium",
    target_type: "node_instance",
  });
  const written = await f.runtime.database.db.transaction((tx) =>
    recordLearning(tx, origin, { ...rest, situation_text }),
  );
  return written.id;
}

async function attributionSetup(f: TestFleet) {
  const db = f.runtime.database.db;
  const node = await f.api("POST", "/api/v1/nodes", {
    body: { name: "learn-node", node_template_id: await f.createTemplate("learn-tpl") },
  });
  const [place] = await db
    .select({ connectionId: provider_connections.id, regionId: provider_regions.id })
    .from(provider_regions)
    .innerJoin(provider_connections, eq(provider_connections.id, provider_regions.provider_connection_id))
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(and(eq(providers.account_id, f.runtime.accountId), eq(providers.provider_type, "local")));
  const [instance] = await db
    .insert(node_instances)
    .values({
      account_id: f.runtime.accountId,
      node_id: node.body.data.id,
      name: `i-${randomUUID().slice(0, 8)}`,
      variety: "local",
      status: "running",
      provider_connection_id: place!.connectionId,
      provider_region_id: place!.regionId,
    })
    .returning();
  const mod = await f.api("POST", "/api/v1/node_modules", { body: { name: "haproxy" } });
  return { instanceId: instance!.id, moduleId: mod.body.data.id as string };
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  other = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  ids.effective = await record(fleet, {
    kind: "fleet.module_drift",
    trigger: "remediation_effective",
    action_category: "module.sync",
    signal_kind: "fleet.module_drift",
    title: "Fleet fleet.module_drift → module.sync: effective",
    tags: ["fleet", "fleet.module_drift", "outcome:effective"],
  });
  ids.ineffective = await record(fleet, {
    kind: "fleet.instance_silent",
    trigger: "remediation_ineffective",
    action_category: "instance.recover",
    title: "Fleet fleet.instance_silent → instance.recover: ineffective",
    tags: ["fleet", "fleet.instance_silent", "outcome:ineffective"],
  });
  ids.expired = await record(fleet, {
    kind: "fleet.cert_expiring",
    trigger: "approval_expired",
    action_category: "certificate.renew",
    title: "Approval for certificate.renew expired",
    tags: ["fleet"],
  });
  const { instanceId, moduleId } = await attributionSetup(fleet);
  const fb = await fleet.api("POST", "/api/v1/fleet/attribution-feedback", {
    body: {
      instance_id: instanceId,
      candidate_module_id: moduleId,
      candidate_kind: "assignment_change",
      confirmed: false,
    },
  });
  expect(fb.status, JSON.stringify(fb.body)).toBe(201);
  ids.attribution = fb.body.data.learning_id;
  // A retired learning, as a person retiring it would leave it.
  await fleet.runtime.database.db.update(learnings).set({ status: "retired" }).where(eq(learnings.id, ids.expired));
  foreignId = await record(other, {
    kind: "fleet.module_drift",
    trigger: "remediation_effective",
    action_category: "module.sync",
    title: "Fleet fleet.module_drift → module.sync: effective",
  });
}, 120_000);

afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

const list = async (query = "") => {
  const res = await fleet.api("GET", `/api/v1/learnings${query ? `?${query}` : ""}`, { token: fleet.tokens.reader });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: { id: string }[]; meta: { has_more: boolean; next_cursor: string | null } };
};
const listed = async (query = "") => (await list(query)).data.map((l) => l.id);

describe("learning.list", () => {
  it("lists the account's learnings newest first, never another account's", async () => {
    expect(await listed()).toEqual([ids.attribution, ids.expired, ids.ineffective, ids.effective]);
    expect(await listed()).not.toContain(foreignId);
  });

  it.each([
    ["source=attribution_feedback", ["attribution"]],
    ["source=decision_outcome", ["ineffective", "effective"]],
    ["polarity=rejected", ["attribution", "ineffective"]],
    ["polarity=neutral", ["expired"]],
    ["status=retired", ["expired"]],
    ["status=active", ["attribution", "ineffective", "effective"]],
    ["category=failure_mode", ["attribution", "ineffective"]],
    ["tag=outcome:effective", ["effective"]],
    ["tag=attribution", ["attribution"]],
    ["tag=outcome", []],
    ["q=MODULE.SYNC", ["effective"]],
    ["q=cause%20of", ["attribution"]],
    ["q=50%25", []],
    ["source=decision_outcome&polarity=confirmed", ["effective"]],
  ])("filters by %s", async (query, expected) => {
    expect(await listed(query)).toEqual(expected.map((k) => ids[k]));
  });

  it("pages newest first with the cursor", async () => {
    const first = await list("limit=3");
    expect(first.data.map((l) => l.id)).toEqual([ids.attribution, ids.expired, ids.ineffective]);
    expect(first.meta.has_more).toBe(true);
    const second = await list(`limit=3&cursor=${first.meta.next_cursor}`);
    expect(second.data.map((l) => l.id)).toEqual([ids.effective]);
    expect(second.meta).toMatchObject({ has_more: false, next_cursor: null });
  });

  it.each([
    ["source=human", "source"],
    ["polarity=maybe", "polarity"],
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["cursor=nonsense", "cursor"],
  ])("refuses %s naming the field", async (query, field) => {
    const res = await fleet.api("GET", `/api/v1/learnings?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });
});

describe("learning.get", () => {
  it("reads one learning with its scores, tags and situation, without the vector", async () => {
    const res = await fleet.api("GET", `/api/v1/learnings/${ids.attribution}`, { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    const l = res.body.data;
    expect(l).toMatchObject({
      id: ids.attribution,
      source: "attribution_feedback",
      title: "Module haproxy rejected as cause of instance failure",
      category: "failure_mode",
      status: "active",
      polarity: "rejected",
      signal_kind: null,
      action_category: "attribution",
      situation_text: "kind=attribution candidate=assignment_change module=haproxy change=assignment",
      importance_score: 0.4,
      confidence_score: 0.5,
      effectiveness_score: null,
      access_count: 1,
      contradiction_note: null,
      embedding_status: "pending",
    });
    expect(l.tags).toEqual(
      expect.arrayContaining(["fleet", "attribution", "kind:assignment_change", "outcome:rejected"]),
    );
    expect(l.evidence).toHaveLength(1);
    for (const t of ["last_reinforced_at", "created_at", "updated_at"]) expect(Date.parse(l[t])).not.toBeNaN();
    expect(Object.keys(l)).not.toContain("embedding");
    expect(Object.keys(l)).not.toContain("account_id");
  });

  it("answers 404 for another account's learning and an unknown id", async () => {
    for (const id of [foreignId, randomUUID()]) {
      const res = await fleet.api("GET", `/api/v1/learnings/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("not_found");
    }
  });
});
