// The store-backed resolver port on a seeded fleet (PGlite, or PostgreSQL when
// NODEPILOT_TEST_DATABASE_URL is set): names and ids → objects of the caller's account only.

import { randomUUID } from "node:crypto";
import { storeResolver } from "@nodepilot/graphs";
import { accounts, node_platforms, node_templates } from "@nodepilot/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../server/src/testing/harness.ts";
import { buildFleetFixture, type FleetFixture } from "./fleet-fixture.ts";

let fleet: TestFleet;
let fx: FleetFixture;
let resolver: ReturnType<typeof storeResolver>;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  fx = await buildFleetFixture(fleet);
  resolver = storeResolver(fleet.runtime.database.db, fleet.runtime.accountId);
}, 120_000);
afterAll(() => fleet?.close());

describe("storeResolver", () => {
  it("identifies names and ids of any kind in one batch", async () => {
    const task = fx.id("task", "facts");
    const matches = await resolver.identify(["edge-1", "NGINX", "ana", "nothing-here", task]);
    const seen = matches.map((m) => [m.kind, m.id, m.matched]).sort();
    expect(seen).toEqual(
      [
        ["node", fx.id("node", "edge-1"), "edge-1"],
        ["module", fx.id("module", "nginx"), "nginx"],
        ["user", fx.id("user", "ana"), "ana"],
        ["task", task, task],
      ].sort(),
    );
  });

  it("resolves by kind, an instance by its node, and names inside a parent", async () => {
    expect(await resolver.resolve("template", "Edge-Base")).toEqual({
      status: "found",
      entity: { kind: "template", id: fx.id("template", "edge-base"), name: "edge-base" },
    });
    expect(await resolver.resolve("instance", "gpu-7")).toMatchObject({
      status: "found",
      entity: { id: fx.id("instance", "gpu-7-a"), name: "gpu-7-a" },
    });
    expect(await resolver.resolve("instance", "db-1")).toEqual({ status: "none" });
    const edge1 = { kind: "node" as const, id: fx.id("node", "edge-1"), name: "edge-1" };
    expect(await resolver.resolve("assignment", "debug-tools", edge1)).toMatchObject({
      status: "found",
      entity: { id: fx.id("assignment", "edge-1/debug-tools") },
    });
    const tpl = { kind: "template" as const, id: fx.id("template", "edge-base"), name: "edge-base" };
    expect(await resolver.resolve("template_module", "nginx", tpl)).toMatchObject({
      status: "found",
      entity: { id: fx.id("template_module", "edge-base/nginx") },
    });
    const nginx = { kind: "module" as const, id: fx.id("module", "nginx"), name: "nginx" };
    expect(await resolver.resolve("module_version", "1", nginx)).toMatchObject({ status: "found" });
  });

  it("says when a name fits several objects", async () => {
    const made = await fleet.api("POST", "/api/v1/users", {
      body: { email: "ana.b@example.com", display_name: "Ana", role: "viewer" },
    });
    expect(made.status).toBe(201);
    const r = await resolver.resolve("user", "ana");
    expect(r.status).toBe("ambiguous");
    if (r.status === "ambiguous")
      expect(r.candidates.map((c) => c.name).sort()).toEqual(["ana.b@example.com", "ana@example.com"]);
  });

  it("never answers with another account's objects", async () => {
    const db = fleet.runtime.database.db;
    const [other] = await db
      .insert(accounts)
      .values({ name: `other-${randomUUID()}`, slug: `other-${randomUUID()}` })
      .returning();
    const [platform] = await db
      .insert(node_platforms)
      .values({ account_id: other!.id, name: "generic-linux", architectures: ["amd64"] })
      .returning();
    const [theirs] = await db
      .insert(node_templates)
      .values({ account_id: other!.id, name: "base", node_platform_id: platform!.id })
      .returning();
    expect(await resolver.resolve("template", "base")).toMatchObject({
      status: "found",
      entity: { id: fx.id("template", "base") },
    });
    expect(await resolver.resolve("template", theirs!.id)).toEqual({ status: "none" });
    expect((await resolver.identify([theirs!.id])).length).toBe(0);
    const mine = await storeResolver(db, other!.id).identify(["base", "edge-1"]);
    expect(mine.map((m) => m.id)).toEqual([theirs!.id]);
  });
});
