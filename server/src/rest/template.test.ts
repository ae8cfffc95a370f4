// Templates over REST: CRUD with field-named 400s and 404s, delete refused while a node uses the
// template, compose preview, export, and module joins guarded by the delta conflict check —
// a refused join writes nothing, warnings come back, removal purges derived assignments.
import { fleet_events, node_module_assignments, node_templates, template_modules } from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let platformId: string;
let seq = 0;
const uniq = (p: string) => `${p}-${++seq}`;

async function counts() {
  const db = fleet.runtime.database.db;
  const acct = fleet.runtime.accountId;
  const [t] = await db.select({ n: count() }).from(node_templates).where(eq(node_templates.account_id, acct));
  const [j] = await db.select({ n: count() }).from(template_modules).where(eq(template_modules.account_id, acct));
  const [a] = await db
    .select({ n: count() })
    .from(node_module_assignments)
    .where(eq(node_module_assignments.account_id, acct));
  const [e] = await db.select({ n: count() }).from(fleet_events).where(eq(fleet_events.account_id, acct));
  return { templates: t!.n, joins: j!.n, assignments: a!.n, events: e!.n };
}

async function createTemplate(body: Record<string, unknown> = {}) {
  const res = await fleet.api("POST", "/api/v1/node_templates", {
    body: { name: uniq("tpl"), node_platform_id: platformId, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: string; name: string; version: number };
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

async function join(templateId: string, moduleId: string, body: Record<string, unknown> = {}) {
  return fleet.api("POST", `/api/v1/node_templates/${templateId}/modules`, {
    body: { node_module_id: moduleId, ...body },
  });
}

beforeAll(async () => {
  fleet = await createTestFleet();
  const platforms = await fleet.api("GET", "/api/v1/node_platforms", { token: fleet.tokens.reader });
  expect(platforms.status).toBe(200);
  platformId = platforms.body.data[0].id;
});
afterAll(async () => {
  await fleet?.close();
});

describe("platforms and categories", () => {
  it("lists and gets the seeded platform", async () => {
    const res = await fleet.api("GET", `/api/v1/node_platforms/${platformId}`, { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ name: "generic-linux", disk_image_retention_count: 3 });
    expect((await fleet.api("GET", "/api/v1/node_platforms/01890000-0000-7000-8000-000000000000")).status).toBe(404);
  });

  it("lists the seeded category triplets", async () => {
    const res = await fleet.api("GET", "/api/v1/node_module_categories?limit=200");
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(30);
    const base = res.body.data.find((c: { slug: string }) => c.slug === "base-os");
    const config = res.body.data.find((c: { id: string }) => c.id === base.config_category_id);
    expect(base).toMatchObject({ variety: "subscription", position: 150 });
    expect(config).toMatchObject({ slug: "base-os-config", variety: "config", position: 151, parent_id: base.id });
    const subs = await fleet.api("GET", "/api/v1/node_module_categories?variety=subscription&limit=200");
    expect(subs.body.data).toHaveLength(10);
  });
});

describe("template CRUD", () => {
  it("creates, reads, lists and updates", async () => {
    const envs = await fleet.api("GET", "/api/v1/environments");
    const dev = envs.body.data.find((e: { name: string }) => e.name === "dev");
    const t = await createTemplate({ name: "edge-base", environment_id: dev.id, config: { boot_mode: "cloud_init" } });
    expect(t).toMatchObject({
      name: "edge-base",
      environment_id: dev.id,
      config: { boot_mode: "cloud_init" },
      enabled: true,
    });
    const got = await fleet.api("GET", `/api/v1/node_templates/${t.id}`, { token: fleet.tokens.reader });
    expect(got.body.data.id).toBe(t.id);
    const list = await fleet.api("GET", "/api/v1/node_templates?name_contains=edge-b");
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([t.id]);
    const upd = await fleet.api("PATCH", `/api/v1/node_templates/${t.id}`, {
      body: { description: "edge nodes", version: t.version },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ description: "edge nodes", version: t.version + 1 });
    const stale = await fleet.api("PATCH", `/api/v1/node_templates/${t.id}`, {
      body: { description: "x", version: t.version },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("stale_version");
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["a name with capitals", { name: "Edge" }, "name"],
    ["an unknown config key", { config: { colour: "red" } }, "config.colour"],
    ["a missing platform", { node_platform_id: undefined }, "node_platform_id"],
    ["an unknown platform", { node_platform_id: "01890000-0000-7000-8000-000000000000" }, "node_platform_id"],
    ["an unknown environment", { environment_id: "01890000-0000-7000-8000-000000000000" }, "environment_id"],
  ];
  for (const [what, patch, path] of invalid) {
    it(`refuses ${what} with 400 naming ${path} and writes nothing`, async () => {
      const before = await counts();
      const res = await fleet.api("POST", "/api/v1/node_templates", {
        body: { name: uniq("bad"), node_platform_id: platformId, ...patch },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await counts()).toEqual(before);
    });
  }

  it("refuses a duplicate name with 409", async () => {
    const t = await createTemplate();
    const res = await fleet.api("POST", "/api/v1/node_templates", {
      body: { name: t.name, node_platform_id: platformId },
    });
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe("already_exists");
  });

  it("answers 404 for an unknown template and 403 for a reader writing", async () => {
    expect((await fleet.api("GET", "/api/v1/node_templates/01890000-0000-7000-8000-000000000000")).status).toBe(404);
    const res = await fleet.api("POST", "/api/v1/node_templates", {
      token: fleet.tokens.reader,
      body: { name: uniq("r"), node_platform_id: platformId },
    });
    expect(res.status).toBe(403);
  });

  it("refuses to delete a template a node uses (409 in_use, nothing written), then deletes it", async () => {
    const t = await createTemplate();
    const node = await fleet.api("POST", "/api/v1/nodes", { body: { name: uniq("n"), node_template_id: t.id } });
    expect(node.status).toBe(201);
    const before = await counts();
    const res = await fleet.api("DELETE", `/api/v1/node_templates/${t.id}`);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "conflict", reason: "in_use", node_count: 1, pool_count: 0 });
    expect(await counts()).toEqual(before);
    expect((await fleet.api("DELETE", `/api/v1/nodes/${node.body.data.id}`)).status).toBe(200);
    const ok = await fleet.api("DELETE", `/api/v1/node_templates/${t.id}`);
    expect(ok.status).toBe(200);
    expect((await fleet.api("GET", `/api/v1/node_templates/${t.id}`)).status).toBe(404);
  });
});

describe("template modules and the delta conflict check", () => {
  it("adds a join, returns the blast radius, and refuses a conflicting module with nothing written", async () => {
    const t = await createTemplate();
    const nginx = await createModule("nginx");
    const caddy = await createModule("caddy");
    await dependency(caddy.id, nginx.id, "conflicts");

    const first = await join(t.id, nginx.id, { config: { port: 8080 } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.data.template_module).toMatchObject({
      node_module_id: nginx.id,
      module_name: nginx.name,
      enabled: true,
      config: { port: 8080 },
    });
    expect(first.body.data.blast_radius).toEqual({ node_count: 0, pool_count: 0 });
    expect(first.body.data.warnings).toBeUndefined();

    const before = await counts();
    const refused = await join(t.id, caddy.id);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body).toMatchObject({ code: "conflict", reason: "composition_conflict" });
    expect(refused.body.conflicts).toEqual([
      {
        kind: "module_dependency_conflict",
        severity: "error",
        modules: [caddy.id, nginx.id].sort(),
        detail: `${caddy.name} conflicts with ${nginx.name}`,
      },
    ]);
    expect(await counts()).toEqual(before);

    // A disabled join skips the check; enabling it runs it.
    const disabled = await join(t.id, caddy.id, { enabled: false });
    expect(disabled.status).toBe(201);
    const enable = await fleet.api(
      "PATCH",
      `/api/v1/node_templates/${t.id}/modules/${disabled.body.data.template_module.id}`,
      { body: { enabled: true } },
    );
    expect(enable.status).toBe(409);
    expect(enable.body.reason).toBe("composition_conflict");
    const dup = await join(t.id, nginx.id);
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe("already_exists");
  });

  it("refuses a second instance-variety module in one category and a missing required dependency", async () => {
    const cats = await fleet.api("GET", "/api/v1/node_module_categories?variety=instance&limit=200");
    const cat = cats.body.data[0].id;
    const t = await createTemplate();
    const a = await createModule("inst-a", { variety: "instance", category_id: cat });
    const b = await createModule("inst-b", { variety: "instance", category_id: cat });
    expect((await join(t.id, a.id)).status).toBe(201);
    const collision = await join(t.id, b.id);
    expect(collision.status).toBe(409);
    expect(collision.body.conflicts.map((c: { kind: string }) => c.kind)).toEqual(["instance_variety_collision"]);

    const off = await createModule("off-dep", { enabled: false });
    const needs = await createModule("needs-off");
    await dependency(needs.id, off.id, "requires");
    const res = await join(t.id, needs.id);
    expect(res.status).toBe(409);
    expect(res.body.conflicts.map((c: { kind: string; modules: string[] }) => [c.kind, c.modules])).toEqual([
      ["module_disabled", [off.id]],
    ]);
  });

  it("does not block on errors that were already there, and returns new warnings", async () => {
    const t = await createTemplate();
    const ssh = await createModule("ssh", { protected_spec: ["/etc/ssh/***"] });
    const tools = await createModule("tools", { file_spec: ["/etc/ssh/ssh_config"] });
    expect((await join(t.id, ssh.id)).status).toBe(201);
    // An error that is already there (a joined module disabled later) does not block other joins.
    const stale = await createModule("stale");
    expect((await join(t.id, stale.id)).status).toBe(201);
    expect((await fleet.api("PATCH", `/api/v1/node_modules/${stale.id}`, { body: { enabled: false } })).status).toBe(
      200,
    );
    const res = await join(t.id, tools.id);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data.warnings).toEqual([
      {
        kind: "protected_spec_overlap",
        severity: "warning",
        modules: [ssh.id, tools.id].sort(),
        detail: `${ssh.name} protects /etc/ssh/***, which overlaps ${tools.name}'s file_spec /etc/ssh/ssh_config; the path is carved out of ${tools.name}'s build`,
      },
    ]);
  });

  it("lists, updates and removes joins; removal purges only derived assignments", async () => {
    const t = await createTemplate();
    const app = await createModule("app");
    const lib = await createModule("lib");
    await dependency(app.id, lib.id, "requires");
    const j = await join(t.id, app.id);
    const list = await fleet.api("GET", `/api/v1/node_templates/${t.id}/modules`);
    expect(list.body.data.map((x: { module_name: string }) => x.module_name)).toEqual([app.name]);
    const upd = await fleet.api("PATCH", `/api/v1/node_templates/${t.id}/modules/${j.body.data.template_module.id}`, {
      body: { priority: 7, config: { a: 1 } },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.data.template_module).toMatchObject({ priority: 7, config: { a: 1 }, version: 2 });

    const node = await fleet.api("POST", "/api/v1/nodes", { body: { name: uniq("jn"), node_template_id: t.id } });
    const applied = await fleet.api("POST", `/api/v1/nodes/${node.body.data.id}/apply_template`);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.data.created_count).toBe(2);
    const other = await createModule("hand");
    expect(
      (
        await fleet.api("POST", "/api/v1/node_module_assignments", {
          body: { node_id: node.body.data.id, node_module_id: other.id },
        })
      ).status,
    ).toBe(201);

    const reader = await fleet.api(
      "DELETE",
      `/api/v1/node_templates/${t.id}/modules/${j.body.data.template_module.id}`,
      { token: fleet.tokens.writer },
    );
    expect(reader.status).toBe(403);
    const removed = await fleet.api(
      "DELETE",
      `/api/v1/node_templates/${t.id}/modules/${j.body.data.template_module.id}`,
    );
    expect(removed.status).toBe(200);
    expect(removed.body.data).toMatchObject({ deleted: true, purged_assignment_count: 2 });
    const left = await fleet.api("GET", `/api/v1/node_module_assignments?node_id=${node.body.data.id}`);
    expect(left.body.data.map((a: { node_module_id: string }) => a.node_module_id)).toEqual([other.id]);
    const gone = await fleet.api("DELETE", `/api/v1/node_templates/${t.id}/modules/${j.body.data.template_module.id}`);
    expect(gone.status).toBe(404);
  });

  it("refuses a recommends_override naming an unknown module", async () => {
    const t = await createTemplate();
    const m = await createModule("ovr");
    const before = await counts();
    const res = await join(t.id, m.id, { recommends_override: { excluded: ["no-such-module"] } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe("recommends_override.excluded.0");
    expect(await counts()).toEqual(before);
  });
});

describe("template.compose_preview", () => {
  it("resolves the closure with effective priorities and the dependency graph", async () => {
    const cats = await fleet.api("GET", "/api/v1/node_module_categories?variety=subscription&limit=200");
    const base = cats.body.data.find((c: { slug: string }) => c.slug === "base-os");
    const web = await createModule("pv-web", { priority: 10, package_spec: ["nginx", "curl"] });
    const tls = await createModule("pv-tls", { category_id: base.id, priority: 5, package_spec: ["openssl"] });
    await dependency(web.id, tls.id, "requires");
    const res = await fleet.api("POST", "/api/v1/node_templates/compose_preview", {
      token: fleet.tokens.reader,
      body: { module_ids: [web.id] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const p = res.body.data;
    expect(
      p.modules.map((m: { name: string; effective_priority: number; auto_resolved: boolean }) => [
        m.name,
        m.effective_priority,
        m.auto_resolved,
      ]),
    ).toEqual([
      [web.name, 560_010, false],
      [tls.name, 150_005, true],
    ]);
    expect(p.footprint).toMatchObject({ module_count: 2, estimated_package_count: 3 });
    expect(p.dependency_graph.edges).toEqual([{ source: web.id, target: tls.id, type: "requires", required: true }]);
    expect(p.conflicts).toEqual([]);
  });

  it("refuses an empty list (400 naming module_ids) and an unknown id (404)", async () => {
    const empty = await fleet.api("POST", "/api/v1/node_templates/compose_preview", { body: { module_ids: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].path).toBe("module_ids");
    const unknown = await fleet.api("POST", "/api/v1/node_templates/compose_preview", {
      body: { module_ids: ["01890000-0000-7000-8000-000000000000"] },
    });
    expect(unknown.status).toBe(404);
  });
});

describe("template.export", () => {
  it("writes the portable bundle without ids", async () => {
    const t = await createTemplate({ config: { legacy_rsa_keys: true } });
    const m = await createModule("exp", { variety: "subscription" });
    const r = await createModule("exp-rec");
    await dependency(m.id, r.id, "recommends");
    expect(
      (await join(t.id, m.id, { priority: 3, config: { x: 1 }, recommends_override: { replace: [r.name] } })).status,
    ).toBe(201);
    const res = await fleet.api("GET", `/api/v1/node_templates/${t.id}/export`, { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      format_version: "1.0",
      kind: "node_template",
      template: { name: t.name, config: { legacy_rsa_keys: true }, environment_name: null },
      platform: { name: "generic-linux" },
      modules: [
        {
          module_name: m.name,
          module_variety: "subscription",
          priority: 3,
          enabled: true,
          config: { x: 1 },
          recommends_override: { replace: [r.name] },
        },
      ],
    });
    expect(JSON.stringify(res.body.data)).not.toContain(t.id);
  });
});
