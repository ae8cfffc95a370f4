// fleet_summary.get over REST (GET /api/v1/fleet/summary): node, instance, task and approval counts
// from a seeded fleet; "silent" follows the instance_silent sensor's rule and this account's
// thresholds (changing sensor_config moves the count); the newest event seq; scopes; tenancy.
import { randomUUID } from "node:crypto";
import { createApprovalRequest, issueToken } from "@nodepilot/core";
import { approval_requests, node_instances } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { insertInstance, systemOrigin } from "./task-fixtures.ts";

let fleet: TestFleet;
let other: TestFleet;

interface Summary {
  nodes: { total: number; enabled: number; disabled: number };
  instances: { total: number; by_status: Record<string, number>; silent: number };
  silent_rule: { threshold_seconds: number; boot_grace_seconds: number };
  tasks: { active: number; by_status: Record<string, number> };
  approvals: { pending: number };
  last_event_seq: number;
  as_of: string;
}

async function summary(f: TestFleet, token?: string): Promise<Summary> {
  const res = await f.api("GET", "/api/v1/fleet/summary", token ? { token } : {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as Summary;
}

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);

async function setInstance(f: TestFleet, id: string, values: Partial<typeof node_instances.$inferInsert>) {
  await f.runtime.database.db.update(node_instances).set(values).where(eq(node_instances.id, id));
}

async function pendingApproval(f: TestFleet, target: string) {
  const { request } = await f.runtime.database.db.transaction((tx) =>
    createApprovalRequest(tx, systemOrigin(f), {
      action_payload: {
        account_id: f.runtime.accountId,
        action_category: "instance.recover",
        target: { type: "node_instance", id: target },
        params: { instance_id: target, operation: "reboot" },
      },
      dedup_key: `instance.recover:${target}`,
      severity: "high",
      description: "Reboot a silent instance",
    }),
  );
  return request;
}

let before: Summary;
let otherBefore: Summary;

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
  before = await summary(fleet);
  otherBefore = await summary(other);

  // Silent by the sensor's rule: heartbeat 200 s old (threshold 180), and never heartbeated 700 s
  // after starting (boot grace 600). Not silent: a fresh heartbeat, a recent start without one, and
  // a stopped machine whose heartbeat is old.
  const stale = await insertInstance(fleet);
  await setInstance(fleet, stale.instanceId, { last_heartbeat_at: secondsAgo(200) });
  const never = await insertInstance(fleet);
  await setInstance(fleet, never.instanceId, {
    status: "starting",
    last_heartbeat_at: null,
    status_changed_at: secondsAgo(700),
  });
  const fresh = await insertInstance(fleet);
  await setInstance(fleet, fresh.instanceId, { last_heartbeat_at: secondsAgo(10) });
  const booting = await insertInstance(fleet);
  await setInstance(fleet, booting.instanceId, { last_heartbeat_at: null, status_changed_at: secondsAgo(30) });
  const stopped = await insertInstance(fleet);
  await setInstance(fleet, stopped.instanceId, { status: "stopped", last_heartbeat_at: secondsAgo(5000) });

  const disabled = await fleet.api("PATCH", `/api/v1/nodes/${stopped.nodeId}`, { body: { enabled: false } });
  expect(disabled.status).toBe(200);

  for (const subject of [fresh.instanceId, stale.instanceId]) {
    const task = await fleet.api("POST", "/api/v1/tasks", {
      body: { subject_type: "node_instance", subject_id: subject, command: "collect_facts" },
    });
    expect(task.status, JSON.stringify(task.body)).toBe(202);
  }

  await pendingApproval(fleet, stale.instanceId);
  // Still marked pending but past its expiry: nobody can decide it any more, so it is not counted.
  const lapsed = await pendingApproval(fleet, never.instanceId);
  await fleet.runtime.database.db
    .update(approval_requests)
    .set({ expires_at: secondsAgo(60) })
    .where(eq(approval_requests.id, lapsed.id));
}, 60_000);

afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("GET /api/v1/fleet/summary", () => {
  it("counts nodes, instances by status, silent instances, active tasks and pending approvals", async () => {
    const s = await summary(fleet);
    expect(s.nodes.total - before.nodes.total).toBe(5);
    expect(s.nodes.disabled - before.nodes.disabled).toBe(1);
    expect(s.nodes.enabled + s.nodes.disabled).toBe(s.nodes.total);
    expect(s.instances.total - before.instances.total).toBe(5);
    expect(s.instances.by_status.running! - before.instances.by_status.running!).toBe(3);
    expect(s.instances.by_status.starting! - before.instances.by_status.starting!).toBe(1);
    expect(s.instances.by_status.stopped! - before.instances.by_status.stopped!).toBe(1);
    expect(Object.values(s.instances.by_status).reduce((a, b) => a + b, 0)).toBe(s.instances.total);
    expect(s.instances.silent - before.instances.silent).toBe(2);
    expect(s.silent_rule).toEqual({ threshold_seconds: 180, boot_grace_seconds: 600 });
    expect(Object.keys(s.tasks.by_status).sort()).toEqual(["leased", "pending", "running"]);
    expect(s.tasks.by_status.pending! - before.tasks.by_status.pending!).toBe(2);
    expect(s.tasks.active - before.tasks.active).toBe(2);
    expect(s.approvals.pending - before.approvals.pending).toBe(1);
  });

  it("reports the newest event seq, the one account.get reports", async () => {
    const s = await summary(fleet);
    const account = await fleet.api("GET", "/api/v1/accounts/current");
    expect(s.last_event_seq).toBe(account.body.data.last_event_seq);
    expect(s.last_event_seq).toBeGreaterThan(before.last_event_seq);
  });

  it("uses the account's instance_silent thresholds: raising the threshold un-silences the 200 s instance", async () => {
    const raised = await fleet.api("PATCH", "/api/v1/autonomy/sensors/instance_silent", {
      body: { settings: { silent_threshold_seconds: 300 } },
    });
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);
    try {
      const s = await summary(fleet);
      expect(s.silent_rule.threshold_seconds).toBe(300);
      expect(s.instances.silent - before.instances.silent).toBe(1);
    } finally {
      await fleet.api("PATCH", "/api/v1/autonomy/sensors/instance_silent", {
        body: { settings: { silent_threshold_seconds: null } },
      });
    }
    expect((await summary(fleet)).instances.silent - before.instances.silent).toBe(2);
  });

  it("is a fleet:read operation: a reader may call it, a token without fleet scopes may not", async () => {
    await summary(fleet, fleet.tokens.reader);
    const security = await issueToken(fleet.runtime.database.db, {
      accountId: fleet.runtime.accountId,
      userId: fleet.runtime.ownerUserId,
      name: `security-only-${randomUUID()}`,
      scopes: ["security:read"],
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const refused = await fleet.api("GET", "/api/v1/fleet/summary", { token: security.plaintext });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "forbidden", reason: "missing_scope", required_scope: "fleet:read" });
  });

  it("counts only the caller's account", async () => {
    const s = await summary(other);
    expect({ ...s, as_of: "" }).toEqual({ ...otherBefore, as_of: "" });
  });

  it("refuses arguments it does not take, naming them", async () => {
    const res = await fleet.api("GET", "/api/v1/fleet/summary?node_id=x");
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("node_id");
  });
});
