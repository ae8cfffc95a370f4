// The heartbeat's assignments_revision against the GET /agent/v1/assignments ETag over the real mTLS
// listener, with the revision now served from its store (docs/adr/0008): every kind of input change
// — each table the revision reads, the instance's environment and architecture, the node's and the
// template's environment, a delivery key revoked — moves the revision, and afterwards the steady
// one-statement path, the transactional path and the ETag all agree, whichever answers first.
// Beats and reads that change nothing keep the revision and its stored row, and never bump the stamp.
import { randomUUID } from "node:crypto";
import {
  account_delivery_stamps,
  delivery_keys,
  environments,
  instance_delivery_revisions,
  module_environment_pins,
  module_versions,
  node_instances,
  node_module_assignments,
  node_module_categories,
  node_modules,
  node_templates,
  nodes,
  template_modules,
} from "@nodepilot/store";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type EnrolledAgent, enrollAgent, heartbeatBody, startTestAgentApi, tlsRequest } from "./agent-test-client.ts";
import { amd64Platform, assignModule, type Published, publishModule, publishNextVersion } from "./delivery-fixtures.ts";

let fleet: TestFleet;
let agent: EnrolledAgent;
let platformId: string;
let mod: Published;
let assignmentId: string;
const db = () => fleet.runtime.database.db;

type Path = "fast" | "transactional" | "assignments";

let seq = 0;
/** A beat: without leases it takes the one-statement path; listing a lease sends it through the transaction. */
async function beat(a: EnrolledAgent, path: "fast" | "transactional"): Promise<string> {
  const api = fleet.runtime.agentApi!;
  const lease = { task_id: randomUUID(), lease_id: randomUUID() };
  const res = await tlsRequest(api.url, api.caPem, "POST", "/agent/v1/heartbeat", {
    client: a.client,
    body: heartbeatBody({ seq: ++seq, ...(path === "transactional" ? { active_leases: [lease] } : {}) }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // The lease is unknown, so the transactional path reports it lost: proof the beat went that way.
  if (path === "transactional") expect(res.body.lost_leases).toEqual([{ task_id: lease.task_id, reason: "not_found" }]);
  return res.body.assignments_revision;
}

async function etag(a: EnrolledAgent): Promise<string> {
  const api = fleet.runtime.agentApi!;
  const res = await tlsRequest(api.url, api.caPem, "GET", "/agent/v1/assignments", { client: a.client });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.headers.etag).toBe(`"${res.body.revision}"`);
  return res.body.revision;
}

const ask = (a: EnrolledAgent, path: Path) => (path === "assignments" ? etag(a) : beat(a, path));

// Whichever path answers first after a change recomputes and stores; the others must then agree.
const ORDERS: Path[][] = [
  ["fast", "transactional", "assignments"],
  ["transactional", "assignments", "fast"],
  ["assignments", "fast", "transactional"],
];
let turn = 0;

/** All three answers after a change: equal to each other, and (unless told) different from `before`. */
async function agreed(a: EnrolledAgent, before: string | null): Promise<string> {
  const order = ORDERS[turn++ % ORDERS.length]!;
  const answers: string[] = [];
  for (const path of order) {
    answers.push(await ask(a, path));
    // Whichever answered recomputed (or reused) and stored it under the current stamp.
    expect(await stored(a.instanceId), path).toMatchObject({ stamp: await stamp(), revision: answers.at(-1) });
  }
  expect(new Set(answers).size, `${order.join(",")}: ${answers.join(" ")}`).toBe(1);
  if (before !== null) expect(answers[0], order.join(",")).not.toBe(before);
  return answers[0]!;
}

const envId = async (name: string) =>
  (
    await db()
      .select({ id: environments.id })
      .from(environments)
      .where(and(eq(environments.account_id, fleet.runtime.accountId), eq(environments.name, name)))
  )[0]!.id;

async function stamp(): Promise<number> {
  const [row] = await db()
    .select({ stamp: account_delivery_stamps.stamp })
    .from(account_delivery_stamps)
    .where(eq(account_delivery_stamps.account_id, fleet.runtime.accountId));
  return row?.stamp ?? 0;
}

const stored = async (instanceId: string) =>
  (
    await db().select().from(instance_delivery_revisions).where(eq(instance_delivery_revisions.instance_id, instanceId))
  )[0];

async function templateOf(nodeId: string): Promise<string> {
  const [n] = await db().select({ t: nodes.node_template_id }).from(nodes).where(eq(nodes.id, nodeId));
  return n!.t;
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  await startTestAgentApi(fleet);
  agent = await enrollAgent(fleet);
  platformId = await amd64Platform(fleet, "revision-amd64");
  mod = await publishModule(fleet, "rev-web", platformId);
  assignmentId = await assignModule(fleet, agent.nodeId, mod.moduleId);
  await beat(agent, "transactional"); // first contact
  await etag(agent); // creates the account's delivery key, itself an input
}, 120_000);
afterAll(async () => {
  await fleet?.close();
});

describe("assignments_revision from the store", () => {
  it("stays put, stored once, while nothing changes, on every path", async () => {
    const rev = await agreed(agent, null);
    const row = await stored(agent.instanceId);
    expect(row).toMatchObject({ revision: rev, account_id: fleet.runtime.accountId });
    const s = await stamp();
    for (let i = 0; i < 3; i++) {
      expect(await beat(agent, "fast")).toBe(rev);
      expect(await beat(agent, "transactional")).toBe(rev);
      expect(await etag(agent)).toBe(rev);
    }
    // Heartbeats write the instance row every time, and that is not a delivery input.
    expect(await stamp()).toBe(s);
    expect(await stored(agent.instanceId)).toEqual(row);
  });

  it("moves with every kind of input change, and the paths and the ETag agree after each", async () => {
    const a = agent;
    let rev = await agreed(a, null);
    const step = async (label: string, change: () => Promise<unknown>) => {
      const s = await stamp();
      await change();
      expect(await stamp(), label).toBeGreaterThan(s);
      rev = await agreed(a, rev);
    };

    await step("assignment disabled (REST)", async () => {
      const r = await fleet.api("POST", `/api/v1/node_module_assignments/${assignmentId}/disable`, { body: {} });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    });
    await step("assignment enabled (REST)", async () => {
      const r = await fleet.api("POST", `/api/v1/node_module_assignments/${assignmentId}/enable`, { body: {} });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    });
    await step("module priority (REST)", async () => {
      const r = await fleet.api("PATCH", `/api/v1/node_modules/${mod.moduleId}`, { body: { priority: 12 } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    });
    await step("new current version (module_versions, node_modules)", () => publishNextVersion(fleet, mod));
    await step("promotion state (module_versions)", async () => {
      const [m] = await db().select().from(node_modules).where(eq(node_modules.id, mod.moduleId));
      await db()
        .update(module_versions)
        .set({ promotion_state: "live" })
        .where(eq(module_versions.id, m!.current_version_id!));
    });
    await step("dependency added (module_dependencies, REST)", async () => {
      const lib = await publishModule(fleet, "rev-lib", platformId);
      const r = await fleet.api("POST", `/api/v1/node_modules/${mod.moduleId}/dependencies`, {
        body: { dependency_id: lib.moduleId, dependency_type: "recommends" },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    });
    const [cat] = await db()
      .insert(node_module_categories)
      .values({
        account_id: fleet.runtime.accountId,
        name: "Rev",
        slug: `rev-${randomUUID().slice(0, 8)}`,
        variety: "config",
        position: 40,
      })
      .returning();
    await step("module moved into a category (node_modules)", () =>
      db().update(node_modules).set({ category_id: cat!.id }).where(eq(node_modules.id, mod.moduleId)),
    );
    await step("category position (node_module_categories)", () =>
      db().update(node_module_categories).set({ position: 41 }).where(eq(node_module_categories.id, cat!.id)),
    );
    const [join] = await db()
      .insert(template_modules)
      .values({
        account_id: fleet.runtime.accountId,
        node_template_id: await templateOf(a.nodeId),
        node_module_id: mod.moduleId,
      })
      .returning();
    await step("assignment now from the template join (node_module_assignments)", () =>
      db()
        .update(node_module_assignments)
        .set({ source_template_module_id: join!.id })
        .where(eq(node_module_assignments.id, assignmentId)),
    );
    await step("template join disabled (template_modules)", () =>
      db().update(template_modules).set({ enabled: false }).where(eq(template_modules.id, join!.id)),
    );
    await step("template environment (node_templates)", async () =>
      db()
        .update(node_templates)
        .set({ environment_id: await envId("dev") })
        .where(eq(node_templates.id, await templateOf(a.nodeId))),
    );
    await step("node environment (nodes)", async () =>
      db()
        .update(nodes)
        .set({ environment_id: await envId("prod") })
        .where(eq(nodes.id, a.nodeId)),
    );
    await step("version pinned in the environment (module_environment_pins)", async () => {
      const [m] = await db().select().from(node_modules).where(eq(node_modules.id, mod.moduleId));
      await db()
        .insert(module_environment_pins)
        .values({
          account_id: fleet.runtime.accountId,
          environment_id: await envId("prod"),
          node_module_id: mod.moduleId,
          module_version_id: m!.current_version_id!,
          promoted_by_type: "promotion",
          promoted_at: new Date(),
        });
    });
    await step("environment signature mode (environments)", async () =>
      db()
        .update(environments)
        .set({ signature_mode: "audit" })
        .where(eq(environments.id, await envId("prod"))),
    );
    await step("instance environment (node_instances)", async () =>
      db()
        .update(node_instances)
        .set({ environment_id: await envId("ops") })
        .where(eq(node_instances.id, a.instanceId)),
    );
    await step("instance architecture (node_instances)", () =>
      db().update(node_instances).set({ architecture: "arm64" }).where(eq(node_instances.id, a.instanceId)),
    );
    await step("assignment deleted (node_module_assignments)", () =>
      db().delete(node_module_assignments).where(eq(node_module_assignments.id, assignmentId)),
    );

    // A revoked delivery key: the beats see it at once; GET /assignments then creates the next key
    // first (a change of its own), and from there all paths agree again.
    const s = await stamp();
    await db()
      .update(delivery_keys)
      .set({ revoked_at: new Date() })
      .where(and(eq(delivery_keys.account_id, fleet.runtime.accountId), isNull(delivery_keys.revoked_at)));
    expect(await stamp()).toBeGreaterThan(s);
    const revoked = await beat(a, "fast");
    expect(revoked).not.toBe(rev);
    expect(await beat(a, "transactional")).toBe(revoked);
    const rekeyed = await etag(a);
    expect(rekeyed).not.toBe(revoked);
    expect(await beat(a, "fast")).toBe(rekeyed);
    expect(await beat(a, "transactional")).toBe(rekeyed);
  });

  it("gives back the same revision when a change is undone (same content, no refetch)", async () => {
    const other = await enrollAgent(fleet);
    await beat(other, "transactional");
    const before = await agreed(other, null);
    const dev = await envId("dev");
    await db().update(nodes).set({ environment_id: dev }).where(eq(nodes.id, other.nodeId));
    const moved = await agreed(other, before);
    expect(moved).not.toBe(before);
    await db().update(nodes).set({ environment_id: null }).where(eq(nodes.id, other.nodeId));
    const back = await agreed(other, null);
    expect(back).toBe(before);
  });
});
