// Node module assignments over REST: create refuses a disabled module, a missing hard dependency,
// a duplicate and a new conflict (each writing nothing); enable/disable/update/delete; and
// node.apply_template — idempotent, dry_run writes nothing, purge_stale removes only stale
// template-derived rows, and a template with a composition error is refused.
import { fleet_events, node_module_assignments } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let platformId: string;
let seq = 0;
const uniq = (p: string) => `${p}-${++seq}`;

async function counts() {
  const db = fleet.runtime.database.db;
  const acct = fleet.runtime.accountId;
  const [a] = await db
    .select({ n: count() })
    .from(node_module_assignments)
    .where(eq(node_module_assignments.account_id, acct));
  const [e] = await db.select({ n: count() }).from(fleet_events).where(eq(fleet_events.account_id, acct));
  return { assignments: a!.n, events: e!.n };
}

async function createModule(name: string, body: Record<string, unknown> = {}) {
  const res = await fleet.api("POST", "/api/v1/node_modules", { body: { name: uniq(name), ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: string; name: string };
}

async function dependency(from: string, to: string, type: "requires" | "recommends" | "conflicts") {
  const res = await fleet.api("POST", `/api/v1/node_modules/${from}/dependencies`, {
    body: { dependency_id: to, dependency_type: type },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function templateWith(moduleIds: string[], joinBody: Record<string, unknown> = {}) {
  const t = await fleet.api("POST", "/api/v1/node_templates", {
    body: { name: uniq("tpl"), node_platform_id: platformId },
  });
  expect(t.status).toBe(201);
  const joins: string[] = [];
  for (const id of moduleIds) {
    const j = await fleet.api("POST", `/api/v1/node_templates/${t.body.data.id}/modules`, {
      body: { node_module_id: id, ...joinBody },
    });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    joins.push(j.body.data.template_module.id);
  }
  return { templateId: t.body.data.id as string, joins };
}

async function createNode(templateId?: string) {
  const tid = templateId ?? (await templateWith([])).templateId;
  const n = await fleet.api("POST", "/api/v1/nodes", { body: { name: uniq("node"), node_template_id: tid } });
  expect(n.status).toBe(201);
  return n.body.data.id as string;
}

const assign = (nodeId: string, moduleId: string, body: Record<string, unknown> = {}) =>
  fleet.api("POST", "/api/v1/node_module_assignments", {
    body: { node_id: nodeId, node_module_id: moduleId, ...body },
  });

async function assignmentsOf(nodeId: string) {
  const rows = await fleet.runtime.database.db
    .select()
    .from(node_module_assignments)
    .where(
      and(eq(node_module_assignments.account_id, fleet.runtime.accountId), eq(node_module_assignments.node_id, nodeId)),
    );
  return rows;
}

beforeAll(async () => {
  fleet = await createTestFleet();
  const platforms = await fleet.api("GET", "/api/v1/node_platforms");
  platformId = platforms.body.data[0].id;
});
afterAll(async () => {
  await fleet?.close();
});

describe("assignment.create", () => {
  it("assigns a module and emits assignment.created", async () => {
    const nodeId = await createNode();
    const m = await createModule("plain");
    const res = await assign(nodeId, m.id, { priority_override: 900, config: { a: 1 } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data.assignment).toMatchObject({
      node_id: nodeId,
      node_module_id: m.id,
      enabled: true,
      priority_override: 900,
      config: { a: 1 },
      auto_resolved: false,
      source_template_module_id: null,
    });
    const got = await fleet.api("GET", `/api/v1/node_module_assignments/${res.body.data.assignment.id}`, {
      token: fleet.tokens.reader,
    });
    expect(got.body.data.id).toBe(res.body.data.assignment.id);
    const list = await fleet.api("GET", `/api/v1/node_module_assignments?node_id=${nodeId}&from_template=false`);
    expect(list.body.data).toHaveLength(1);
    const [ev] = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(eq(fleet_events.subject_id, res.body.data.assignment.id));
    expect(ev).toMatchObject({ kind: "assignment.created", node_id: nodeId, node_module_id: m.id });
  });

  it("refuses a disabled module, a missing hard dependency, a duplicate and a new conflict, writing nothing", async () => {
    const nodeId = await createNode();
    const off = await createModule("off", { enabled: false });
    const app = await createModule("app");
    const lib = await createModule("lib");
    const rival = await createModule("rival");
    await dependency(app.id, lib.id, "requires");
    await dependency(rival.id, lib.id, "conflicts");

    const cases: [string, () => Promise<{ status: number; body: any }>, string][] = [
      ["disabled module", () => assign(nodeId, off.id), "module_disabled"],
      ["missing hard dependency", () => assign(nodeId, app.id), "missing_dependency"],
    ];
    for (const [what, call, reason] of cases) {
      const before = await counts();
      const res = await call();
      expect(res.status, what).toBe(409);
      expect(res.body.reason, what).toBe(reason);
      expect(await counts(), what).toEqual(before);
    }
    const missing = await assign(nodeId, app.id);
    expect(missing.body.missing).toEqual([{ node_module_id: lib.id, name: lib.name }]);

    expect((await assign(nodeId, lib.id)).status).toBe(201);
    expect((await assign(nodeId, app.id)).status).toBe(201);
    let before = await counts();
    const dup = await assign(nodeId, app.id);
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe("already_exists");
    expect(await counts()).toEqual(before);

    before = await counts();
    const clash = await assign(nodeId, rival.id);
    expect(clash.status).toBe(409);
    expect(clash.body.reason).toBe("composition_conflict");
    expect(clash.body.conflicts.map((c: { kind: string }) => c.kind)).toEqual(["module_dependency_conflict"]);
    expect(await counts()).toEqual(before);

    // Created disabled it skips the check; enabling runs it.
    const parked = await assign(nodeId, rival.id, { enabled: false });
    expect(parked.status).toBe(201);
    before = await counts();
    const enable = await fleet.api("POST", `/api/v1/node_module_assignments/${parked.body.data.assignment.id}/enable`);
    expect(enable.status).toBe(409);
    expect(enable.body.reason).toBe("composition_conflict");
    expect(await counts()).toEqual(before);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["a priority_override above 999", { priority_override: 1000 }, "priority_override"],
    ["a node_id that is not a UUID", { node_id: "edge-1" }, "node_id"],
    ["an unknown field", { weight: 1 }, "weight"],
  ];
  for (const [what, patch, path] of invalid) {
    it(`refuses ${what} with 400 naming ${path}`, async () => {
      const nodeId = await createNode();
      const m = await createModule("inv");
      const before = await counts();
      const res = await assign(nodeId, m.id, patch);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await counts()).toEqual(before);
    });
  }

  it("answers 404 for an unknown node or module", async () => {
    const m = await createModule("nf");
    expect((await assign("01890000-0000-7000-8000-000000000000", m.id)).status).toBe(404);
    expect((await assign(await createNode(), "01890000-0000-7000-8000-000000000000")).status).toBe(404);
  });
});

describe("assignment update, enable, disable, delete", () => {
  it("walks an assignment through its changes", async () => {
    const nodeId = await createNode();
    const m = await createModule("walk");
    const created = await assign(nodeId, m.id);
    const id = created.body.data.assignment.id;
    const upd = await fleet.api("PATCH", `/api/v1/node_module_assignments/${id}`, {
      body: { priority_override: 5, version: 1 },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ priority_override: 5, version: 2 });
    const stale = await fleet.api("PATCH", `/api/v1/node_module_assignments/${id}`, {
      body: { priority_override: 6, version: 1 },
    });
    expect(stale.status).toBe(409);
    const off = await fleet.api("POST", `/api/v1/node_module_assignments/${id}/disable`);
    expect(off.status).toBe(200);
    expect(off.body.data.enabled).toBe(false);
    const offAgain = await fleet.api("POST", `/api/v1/node_module_assignments/${id}/disable`);
    expect(offAgain.body.data.version).toBe(off.body.data.version);
    const on = await fleet.api("POST", `/api/v1/node_module_assignments/${id}/enable`);
    expect(on.status).toBe(200);
    expect(on.body.data.assignment.enabled).toBe(true);
    expect(
      (await fleet.api("DELETE", `/api/v1/node_module_assignments/${id}`, { token: fleet.tokens.writer })).status,
    ).toBe(403);
    expect((await fleet.api("DELETE", `/api/v1/node_module_assignments/${id}`)).status).toBe(200);
    expect((await fleet.api("GET", `/api/v1/node_module_assignments/${id}`)).status).toBe(404);
  });
});

describe("node.apply_template", () => {
  it("creates the closure, is idempotent, and dry_run writes nothing", async () => {
    const app = await createModule("tpl-app");
    const lib = await createModule("tpl-lib");
    const extra = await createModule("tpl-extra");
    await dependency(app.id, lib.id, "requires");
    await dependency(app.id, extra.id, "recommends");
    const { templateId, joins } = await templateWith([app.id]);
    const nodeId = await createNode(templateId);

    const before = await counts();
    const dry = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`, { body: { dry_run: true } });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.data).toMatchObject({
      dry_run: true,
      created_count: 2,
      skipped_count: 0,
      purged_count: 0,
      errors: [],
      warnings: [],
    });
    expect(await counts()).toEqual(before);

    const applied = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`);
    expect(applied.status).toBe(200);
    expect(applied.body.data.created).toEqual([
      { node_module_id: lib.id, source_template_module_id: joins[0], auto_resolved: true },
      { node_module_id: app.id, source_template_module_id: joins[0], auto_resolved: false },
    ]);
    const rows = await assignmentsOf(nodeId);
    expect(rows.map((r) => [r.node_module_id, r.auto_resolved, r.source_template_module_id]).sort()).toEqual(
      [
        [lib.id, true, joins[0]],
        [app.id, false, joins[0]],
      ].sort(),
    );
    const [ev] = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.kind, "node.template_applied"), eq(fleet_events.node_id, nodeId)));
    expect(ev?.payload).toMatchObject({ created_count: 2 });

    const again = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`);
    expect(again.body.data).toMatchObject({ created_count: 0, skipped_count: 2 });

    const optional = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`, {
      body: { include_optional: true },
    });
    expect(optional.body.data.created).toEqual([
      { node_module_id: extra.id, source_template_module_id: joins[0], auto_resolved: true },
    ]);
  });

  it("purge_stale removes template-derived rows whose module left the closure, never hand-authored ones", async () => {
    const a = await createModule("purge-a");
    const b = await createModule("purge-b");
    const hand = await createModule("purge-hand");
    const { templateId, joins } = await templateWith([a.id, b.id]);
    const nodeId = await createNode(templateId);
    expect((await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`)).body.data.created_count).toBe(2);
    expect((await assign(nodeId, hand.id)).status).toBe(201);
    const disable = await fleet.api("PATCH", `/api/v1/node_templates/${templateId}/modules/${joins[1]}`, {
      body: { enabled: false },
    });
    expect(disable.status).toBe(200);

    const keep = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`);
    expect(keep.body.data).toMatchObject({ purged_count: 0 });
    const purge = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`, { body: { purge_stale: true } });
    expect(purge.body.data).toMatchObject({ purged_count: 1, purged_module_ids: [b.id], created_count: 0 });
    expect((await assignmentsOf(nodeId)).map((r) => r.node_module_id).sort()).toEqual([a.id, hand.id].sort());
  });

  it("refuses a template with a composition error, and a node conflict with hand-authored modules", async () => {
    const x = await createModule("err-x");
    const { templateId } = await templateWith([x.id]);
    const nodeId = await createNode(templateId);
    // The join was fine when added; disabling the module afterwards makes the template broken.
    expect((await fleet.api("PATCH", `/api/v1/node_modules/${x.id}`, { body: { enabled: false } })).status).toBe(200);
    let before = await counts();
    const res = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`);
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe("composition_conflict");
    expect(res.body.conflicts.map((c: { kind: string }) => c.kind)).toEqual(["module_disabled"]);
    expect(await counts()).toEqual(before);
    const dry = await fleet.api("POST", `/api/v1/nodes/${nodeId}/apply_template`, { body: { dry_run: true } });
    expect(dry.status).toBe(200);
    expect(dry.body.data.errors.map((c: { kind: string }) => c.kind)).toEqual(["module_disabled"]);

    const y = await createModule("err-y");
    const z = await createModule("err-z");
    await dependency(z.id, y.id, "conflicts");
    const t2 = await templateWith([y.id]);
    const node2 = await createNode(t2.templateId);
    expect((await assign(node2, z.id)).status).toBe(201);
    before = await counts();
    const clash = await fleet.api("POST", `/api/v1/nodes/${node2}/apply_template`);
    expect(clash.status).toBe(409);
    expect(clash.body.conflicts.map((c: { kind: string }) => c.kind)).toEqual(["module_dependency_conflict"]);
    expect(await counts()).toEqual(before);
  });

  it("answers 404 for an unknown node", async () => {
    const res = await fleet.api("POST", "/api/v1/nodes/01890000-0000-7000-8000-000000000000/apply_template");
    expect(res.status).toBe(404);
  });
});
