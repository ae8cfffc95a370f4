// Removing a machine no provider manages (a claimed physical box) is bookkeeping: the control-plane
// runner settles its terminate task without a provider call, the instance ends terminated and the
// bootstrap token delivered to the box is revoked, so the box cannot enroll afterwards.
import { randomUUID } from "node:crypto";
import { pollClaim } from "@nodepilot/core";
import { bootstrap_tokens } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await createTestFleet({ localWorkload: "idle" });
}, 120_000);
afterAll(async () => {
  await fleet?.close();
});

describe("terminating a claimed physical instance", () => {
  it("settles without a provider: terminated, and the box's token revoked", async () => {
    const templateId = await fleet.createTemplate("physical-tpl");
    const node = await fleet.api("POST", "/api/v1/nodes", { body: { name: "rack-1", node_template_id: templateId } });
    expect(node.status, JSON.stringify(node.body)).toBe(201);
    const box = {
      mac: "02:00:5e:10:00:01",
      dmi_uuid: randomUUID(),
      hostname: "rack-1-box",
      agent_version: "0.1.0",
      architecture: "amd64" as const,
    };
    const poll = () =>
      pollClaim(fleet.runtime.database.db, fleet.runtime.services.secrets, {
        accountId: fleet.runtime.accountId,
        request: box,
        sourceIp: "192.0.2.20",
        now: new Date(),
        requestId: null,
      });
    const pending = await poll();
    if (pending.status !== "pending") throw new Error(`expected pending, got ${pending.status}`);
    const claimed = await fleet.api("POST", "/api/v1/unclaimed_devices/claim", {
      body: { claim_code: pending.claim_code, node_id: node.body.data.id },
    });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(201);
    const instanceId: string = claimed.body.data.instance.id;
    const delivered = await poll();
    expect(delivered.status).toBe("claimed");

    const res = await fleet.api("POST", `/api/v1/node_instances/${instanceId}/terminate`, { body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const task = await fleet.api("GET", `/api/v1/tasks/${res.body.data.task.id}?wait_seconds=30`);
    expect(task.body.data.task.status, JSON.stringify(task.body)).toBe("succeeded");
    expect(task.body.data.task.result).toMatchObject({ terminated: true, cloud_instance_id: null, released_ips: [] });
    const instance = await fleet.api("GET", `/api/v1/node_instances/${instanceId}`);
    expect(instance.body.data.status).toBe("terminated");
    const tokens = await fleet.runtime.database.db
      .select()
      .from(bootstrap_tokens)
      .where(eq(bootstrap_tokens.node_instance_id, instanceId));
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((t) => t.revoked_at !== null || t.consumed_at !== null)).toBe(true);
  });
});
