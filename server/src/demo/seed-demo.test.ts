// seedDemo over a real runtime: it needs the agent listener, creates the demo fleet once, and a
// second run adds nothing.
import { node_instances, nodes, tasks } from "@nodepilot/store";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { DEMO_NODES, seedDemo } from "./seed-demo.ts";

let fleet: TestFleet;
const db = () => fleet.runtime.database.db;

beforeAll(async () => {
  fleet = await createTestFleet();
});

afterAll(async () => {
  // The demo's agents are real processes: closing the fleet kills them.
  await fleet?.close();
});

describe("seedDemo", () => {
  it("refuses without the agent listener and writes nothing", async () => {
    await expect(seedDemo(fleet.runtime)).rejects.toThrow(/agent listener/);
    const rows = await db().select().from(nodes).where(eq(nodes.account_id, fleet.runtime.accountId));
    expect(rows).toHaveLength(0);
  });

  it("creates template, three nodes and one instance each, once", async () => {
    await fleet.runtime.startAgentApi(0);
    const first = await seedDemo(fleet.runtime);
    expect(first.nodes.map((n) => n.name)).toEqual([...DEMO_NODES]);
    expect(first.nodes.every((n) => n.provisioned)).toBe(true);
    const second = await seedDemo(fleet.runtime);
    expect(second.templateId).toBe(first.templateId);
    expect(second.nodes).toEqual(first.nodes.map((n) => ({ ...n, provisioned: false })));

    const nodeRows = await db().select().from(nodes).where(eq(nodes.account_id, fleet.runtime.accountId));
    expect(nodeRows.map((n) => n.name).sort()).toEqual([...DEMO_NODES]);
    const ids = first.nodes.map((n) => n.instanceId);
    const instances = await db().select().from(node_instances).where(inArray(node_instances.id, ids));
    expect(instances).toHaveLength(3);
    const provisions = await db()
      .select()
      .from(tasks)
      .where(and(eq(tasks.command, "provision"), inArray(tasks.subject_id, ids)));
    expect(provisions).toHaveLength(3);
    // The listing the demo banner points at shows them.
    const listed = await fleet.api("GET", "/api/v1/node_instances");
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((i: { id: string }) => i.id).sort()).toEqual([...ids].sort());
  });
});
