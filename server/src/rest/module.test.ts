// Modules over REST: create with draft version 1, spec normalisation, versioned edits that make new
// drafts without moving the current pointer, lock_spec, dependencies with cycle refusal, the
// rendered rsync filter, delete-in-use, field-named 400s, and failed requests that write nothing.
import { fleet_events, module_dependencies, module_versions, node_modules } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;

async function counts() {
  const db = fleet.runtime.database.db;
  const acct = fleet.runtime.accountId;
  const [m] = await db.select({ n: count() }).from(node_modules).where(eq(node_modules.account_id, acct));
  const [v] = await db.select({ n: count() }).from(module_versions).where(eq(module_versions.account_id, acct));
  const [d] = await db.select({ n: count() }).from(module_dependencies).where(eq(module_dependencies.account_id, acct));
  const [e] = await db.select({ n: count() }).from(fleet_events).where(eq(fleet_events.account_id, acct));
  return { modules: m!.n, versions: v!.n, dependencies: d!.n, events: e!.n };
}

async function eventKinds(subjectId: string) {
  const rows = await fleet.runtime.database.db
    .select({ kind: fleet_events.kind })
    .from(fleet_events)
    .where(and(eq(fleet_events.account_id, fleet.runtime.accountId), eq(fleet_events.subject_id, subjectId)))
    .orderBy(fleet_events.seq);
  return rows.map((r) => r.kind);
}

async function createModule(name: string, body: Record<string, unknown> = {}) {
  const res = await fleet.api("POST", "/api/v1/node_modules", { body: { name, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: string; name: string; version: number; [k: string]: unknown };
}

async function versionsOf(moduleId: string) {
  const res = await fleet.api("GET", `/api/v1/module_versions?node_module_id=${moduleId}`);
  expect(res.status).toBe(200);
  return res.body.data as { version_number: number; promotion_state: string; file_spec: string[]; current: boolean }[];
}

async function createNode(name: string) {
  const platforms = await fleet.api("GET", "/api/v1/node_platforms");
  const t = await fleet.api("POST", "/api/v1/node_templates", {
    body: { name: `${name}-tpl`, node_platform_id: platforms.body.data[0].id },
  });
  expect(t.status).toBe(201);
  const n = await fleet.api("POST", "/api/v1/nodes", { body: { name, node_template_id: t.body.data.id } });
  expect(n.status).toBe(201);
  return n.body.data.id as string;
}

beforeAll(async () => {
  fleet = await createTestFleet();
});
afterAll(async () => {
  await fleet?.close();
});

describe("module create", () => {
  it("creates the module with normalised specs and a draft version 1 snapshot", async () => {
    const mod = await createModule("nginx", {
      file_spec: ["/usr/sbin/nginx", "  /etc/nginx/*** ", "", "/usr/sbin/nginx", "# comment"],
      package_spec: ["nginx", "libssl3=3.0.2"],
      config: { worker_processes: 4 },
    });
    expect(mod).toMatchObject({
      name: "nginx",
      variety: "config",
      priority: 0,
      current_version_id: null,
      auto_promote: true,
    });
    expect(mod.file_spec).toEqual(["/etc/nginx/***", "/usr/sbin/nginx"]);
    const versions = await versionsOf(mod.id);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      version_number: 1,
      promotion_state: "draft",
      file_spec: ["/etc/nginx/***", "/usr/sbin/nginx"],
      current: false,
    });
    expect(await eventKinds(mod.id)).toEqual(["module.created"]);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["an upper-case name", { name: "Nginx" }, "name"],
    ["a name ending in a dash", { name: "nginx-" }, "name"],
    ["an unknown field", { name: "ok-name", colour: "red" }, "colour"],
    ["a malformed package line", { name: "ok-name", package_spec: ["curl", "not a package"] }, "package_spec.1"],
    ["a priority above 999", { name: "ok-name", priority: 1000 }, "priority"],
    [
      "a manifest naming another module",
      { name: "ok-name", manifest: { schema_version: 1, name: "other" } },
      "manifest.name",
    ],
    [
      "a manifest with an unknown key",
      { name: "ok-name", manifest: { schema_version: 1, name: "ok-name", colour: 1 } },
      "manifest.colour",
    ],
    [
      "an unanchored trust policy regexp",
      { name: "ok-name", trust_policy: { cosign_identity_regexp: "acme", cosign_issuer_regexp: "^https://x$" } },
      "trust_policy.cosign_identity_regexp",
    ],
    ["an unknown category", { name: "ok-name", category_id: "01890000-0000-7000-8000-000000000000" }, "category_id"],
  ];
  for (const [what, body, path] of invalid) {
    it(`refuses ${what} with 400 naming ${path} and writes nothing`, async () => {
      const before = await counts();
      const res = await fleet.api("POST", "/api/v1/node_modules", { body });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await counts()).toEqual(before);
    });
  }

  it("refuses a duplicate name with 409 already_exists", async () => {
    await createModule("dup-mod");
    const before = await counts();
    const res = await fleet.api("POST", "/api/v1/node_modules", { body: { name: "dup-mod" } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "conflict", reason: "already_exists", field: "name" });
    expect(await counts()).toEqual(before);
  });

  it("places a dependant child in its parent's config sibling category", async () => {
    const cats = await fleet.api("GET", "/api/v1/node_module_categories?variety=subscription&limit=200");
    const web = cats.body.data.find((c: { slug: string }) => c.slug === "networking-proxy");
    const parent = await createModule("proxy", { category_id: web.id });
    const child = await createModule("proxy-site", { parent_module_id: parent.id, variety: "config" });
    expect(child.category_id).toBe(web.config_category_id);
  });

  it("expands the trust-policy shorthand into a keyless authority", async () => {
    const mod = await createModule("signed-mod", {
      trust_policy: {
        cosign_identity_regexp: "^https://github\\.com/acme/x/.+$",
        cosign_issuer_regexp: "^https://token\\.actions\\.githubusercontent\\.com$",
      },
    });
    expect(mod.trust_policy).toEqual({
      authorities: [
        {
          keyless: {
            trust_root: "public-good",
            identities: [
              {
                issuer_regexp: "^https://token\\.actions\\.githubusercontent\\.com$",
                subject_regexp: "^https://github\\.com/acme/x/.+$",
              },
            ],
          },
        },
      ],
      min_signatures: 1,
      require_attestations: [],
    });
  });

  it("needs fleet:write", async () => {
    const res = await fleet.api("POST", "/api/v1/node_modules", { token: fleet.tokens.reader, body: { name: "nope" } });
    expect(res.status).toBe(403);
    expect(res.body.reason).toBe("missing_scope");
  });
});

describe("module read", () => {
  it("gets and lists", async () => {
    const mod = await createModule("listed-mod", { variety: "instance" });
    const got = await fleet.api("GET", `/api/v1/node_modules/${mod.id}`, { token: fleet.tokens.reader });
    expect(got.status).toBe(200);
    expect(got.body.data.name).toBe("listed-mod");
    const list = await fleet.api("GET", "/api/v1/node_modules?variety=instance&name_contains=listed");
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([mod.id]);
    expect(list.body.meta).toMatchObject({ count: 1, has_more: false });
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    const missing = await fleet.api("GET", "/api/v1/node_modules/01890000-0000-7000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");
    const bad = await fleet.api("GET", "/api/v1/node_modules/not-a-uuid");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("id");
  });
});

describe("module update and versions", () => {
  it("a versioned edit creates a new draft and leaves current_version_id alone", async () => {
    const mod = await createModule("edited", { file_spec: ["/opt/a"] });
    const res = await fleet.api("PATCH", `/api/v1/node_modules/${mod.id}`, {
      body: { file_spec: ["/opt/b", "/opt/a"], version: mod.version },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      file_spec: ["/opt/a", "/opt/b"],
      current_version_id: null,
      version: mod.version + 1,
    });
    const versions = await versionsOf(mod.id);
    expect(versions.map((v) => [v.version_number, v.promotion_state, v.file_spec])).toEqual([
      [2, "draft", ["/opt/a", "/opt/b"]],
      [1, "draft", ["/opt/a"]],
    ]);
    expect(await eventKinds(mod.id)).toEqual(["module.created", "module.updated"]);
  });

  it("a non-versioned edit, or an edit to the same normalised value, makes no version", async () => {
    const mod = await createModule("plain-edit", { file_spec: ["/opt/a"] });
    const res = await fleet.api("PATCH", `/api/v1/node_modules/${mod.id}`, {
      body: { description: "hello", file_spec: [" /opt/a"] },
    });
    expect(res.status).toBe(200);
    expect(await versionsOf(mod.id)).toHaveLength(1);
  });

  it("refuses a stale version with 409 and writes nothing", async () => {
    const mod = await createModule("stale-edit");
    const before = await counts();
    const res = await fleet.api("PATCH", `/api/v1/node_modules/${mod.id}`, {
      body: { description: "x", version: mod.version + 5 },
    });
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe("stale_version");
    expect(await counts()).toEqual(before);
  });

  it("lock_spec refuses versioned edits with spec_locked, and nothing is written", async () => {
    const mod = await createModule("locked", { lock_spec: true, file_spec: ["/etc/x"] });
    const before = await counts();
    const res = await fleet.api("PATCH", `/api/v1/node_modules/${mod.id}`, { body: { file_spec: ["/etc/y"] } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "conflict", reason: "spec_locked", fields: ["file_spec"] });
    expect(await counts()).toEqual(before);
    const ok = await fleet.api("PATCH", `/api/v1/node_modules/${mod.id}`, { body: { description: "still editable" } });
    expect(ok.status).toBe(200);
  });

  it("the name cannot be changed", async () => {
    const mod = await createModule("fixed-name");
    const res = await fleet.api("PATCH", `/api/v1/node_modules/${mod.id}`, { body: { name: "other" } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe("name");
  });
});

describe("module dependencies", () => {
  it("adds, lists and removes edges", async () => {
    const app = await createModule("dep-app");
    const lib = await createModule("dep-lib");
    const add = await fleet.api("POST", `/api/v1/node_modules/${app.id}/dependencies`, {
      body: { dependency_id: lib.id, dependency_type: "requires", version_constraint: "^1.2" },
    });
    expect(add.status).toBe(201);
    expect(add.body.data).toMatchObject({
      module_name: "dep-app",
      dependency_name: "dep-lib",
      dependency_type: "requires",
      version_constraint: "^1.2",
    });
    const deps = await fleet.api("GET", `/api/v1/node_modules/${lib.id}/dependencies`);
    expect(deps.body.data.dependencies).toEqual([]);
    expect(deps.body.data.dependants.map((d: { module_name: string }) => d.module_name)).toEqual(["dep-app"]);
    const dup = await fleet.api("POST", `/api/v1/node_modules/${app.id}/dependencies`, {
      body: { dependency_id: lib.id, dependency_type: "recommends" },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe("already_exists");
    const del = await fleet.api("DELETE", `/api/v1/node_modules/${app.id}/dependencies/${lib.id}`);
    expect(del.status).toBe(200);
    const again = await fleet.api("DELETE", `/api/v1/node_modules/${app.id}/dependencies/${lib.id}`);
    expect(again.status).toBe(404);
  });

  it("refuses a cycle, naming the path, and writes nothing", async () => {
    const a = await createModule("cyc-a");
    const b = await createModule("cyc-b");
    const c = await createModule("cyc-c");
    for (const [from, to] of [
      [a, b],
      [b, c],
    ] as const) {
      const r = await fleet.api("POST", `/api/v1/node_modules/${from.id}/dependencies`, {
        body: { dependency_id: to.id, dependency_type: "requires" },
      });
      expect(r.status).toBe(201);
    }
    const before = await counts();
    const res = await fleet.api("POST", `/api/v1/node_modules/${c.id}/dependencies`, {
      body: { dependency_id: a.id, dependency_type: "recommends" },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ reason: "dependency_cycle", cycle: ["cyc-c", "cyc-a", "cyc-b", "cyc-c"] });
    expect(res.body.detail).toContain("cyc-c → cyc-a → cyc-b → cyc-c");
    expect(await counts()).toEqual(before);
    const conflicts = await fleet.api("POST", `/api/v1/node_modules/${c.id}/dependencies`, {
      body: { dependency_id: a.id, dependency_type: "conflicts" },
    });
    expect(conflicts.status).toBe(201);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ["itself", { self: true, dependency_type: "requires" }, "dependency_id"],
    ["a malformed range", { dependency_type: "requires", version_constraint: "latest" }, "version_constraint"],
    ["a range on a conflicts edge", { dependency_type: "conflicts", version_constraint: "^1" }, "version_constraint"],
    ["an unknown type", { dependency_type: "suggests" }, "dependency_type"],
  ];
  for (const [what, body, path] of bad) {
    it(`refuses ${what} with 400 naming ${path}`, async () => {
      const a = await createModule(`bad-dep-${path.replace(/_/g, "-")}-${Math.random().toString(36).slice(2, 7)}`);
      const b = await createModule(`bad-target-${Math.random().toString(36).slice(2, 7)}`);
      const { self, ...rest } = body;
      const before = await counts();
      const res = await fleet.api("POST", `/api/v1/node_modules/${a.id}/dependencies`, {
        body: { dependency_id: self ? a.id : b.id, ...rest },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await counts()).toEqual(before);
    });
  }
});

describe("module rsync_spec", () => {
  it("renders the standalone filter", async () => {
    const mod = await createModule("rs-solo", {
      mask: ["/etc/nginx/cruft"],
      file_spec: ["/etc/nginx/***", "/usr/sbin/nginx"],
    });
    const res = await fleet.api("GET", `/api/v1/node_modules/${mod.id}/rsync_spec`);
    expect(res.status).toBe(200);
    expect(res.body.data.lines).toEqual(["- /etc/nginx/cruft", "+ /etc/nginx/***", "+ /usr/sbin/nginx", "- *"]);
    expect(res.body.data.rsync_spec).toBe("- /etc/nginx/cruft\n+ /etc/nginx/***\n+ /usr/sbin/nginx\n- *\n");
  });

  it("folds in the node's neighbours: protected paths, higher masks and higher locked specs", async () => {
    const nodeId = await createNode("rs-node");
    const target = await createModule("rs-target", { priority: 100, file_spec: ["/srv/***"] });
    const keys = await createModule("rs-keys", { priority: 10, protected_spec: ["/etc/ssh/***"] });
    const top = await createModule("rs-top", {
      priority: 900,
      lock_spec: true,
      mask: ["/srv/tmp"],
      file_spec: ["/srv/shared"],
    });
    for (const m of [target, keys, top]) {
      const r = await fleet.api("POST", "/api/v1/node_module_assignments", {
        body: { node_id: nodeId, node_module_id: m.id },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const res = await fleet.api("GET", `/api/v1/node_modules/${target.id}/rsync_spec?node_id=${nodeId}`);
    expect(res.status).toBe(200);
    expect(res.body.data.lines).toEqual(["- /etc/ssh/***", "- /srv/shared", "- /srv/tmp", "+ /srv/***", "- *"]);
    const unknownNode = await fleet.api(
      "GET",
      `/api/v1/node_modules/${target.id}/rsync_spec?node_id=01890000-0000-7000-8000-000000000000`,
    );
    expect(unknownNode.status).toBe(404);
  });
});

describe("module delete", () => {
  it("refuses while assigned, a dependency or a parent, then deletes", async () => {
    const nodeId = await createNode("del-node");
    const mod = await createModule("del-me", { file_spec: ["/x"] });
    const assign = await fleet.api("POST", "/api/v1/node_module_assignments", {
      body: { node_id: nodeId, node_module_id: mod.id },
    });
    expect(assign.status).toBe(201);
    const before = await counts();
    const refused = await fleet.api("DELETE", `/api/v1/node_modules/${mod.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "conflict", reason: "in_use", usage: { assignments: 1 } });
    expect(await counts()).toEqual(before);

    await fleet.api("DELETE", `/api/v1/node_module_assignments/${assign.body.data.assignment.id}`);
    const user = await createModule("del-user");
    await fleet.api("POST", `/api/v1/node_modules/${user.id}/dependencies`, {
      body: { dependency_id: mod.id, dependency_type: "requires" },
    });
    const asDep = await fleet.api("DELETE", `/api/v1/node_modules/${mod.id}`);
    expect(asDep.status).toBe(409);
    expect(asDep.body.usage).toMatchObject({ dependants: 1 });
    await fleet.api("DELETE", `/api/v1/node_modules/${user.id}/dependencies/${mod.id}`);

    const writer = await fleet.api("DELETE", `/api/v1/node_modules/${mod.id}`, { token: fleet.tokens.writer });
    expect(writer.status).toBe(403);
    const ok = await fleet.api("DELETE", `/api/v1/node_modules/${mod.id}`);
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ id: mod.id, deleted: true });
    expect((await fleet.api("GET", `/api/v1/node_modules/${mod.id}`)).status).toBe(404);
    expect(await versionsOf(mod.id)).toEqual([]);
    expect(await eventKinds(mod.id)).toContain("module.deleted");
  });
});
