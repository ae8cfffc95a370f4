// A fleet holding one of everything an operator can read, for suites that walk the read surface.
// Everything is made through the REST API; only states no operator API makes come from the core
// functions their real callers use — a box asking to be claimed (the agent listener's pollClaim),
// an instance that has heartbeated (recordHeartbeat; its second beat reports a module its node is
// not assigned, module drift for the drift queue), a pending approval request (the gate's
// createApprovalRequest) — or, for scored remediations, rows as the appliers write them. The
// autonomy tick asked for over REST (so the fleet needs `startJobs`) turns those into an open
// category breaker and leaves a tick in the log.
import { randomUUID } from "node:crypto";
import { createApprovalRequest, type EventOrigin, recordHeartbeat, systemPrincipal } from "@nodepilot/core";
import { fleet_remediations } from "@nodepilot/store";
import { askToBeClaimed, claimBox } from "./boxes.ts";
import type { ApiResult, TestFleet } from "./harness.ts";

/** The id of one seeded object per resource, plus the few non-id values a read needs. */
export interface SeededFleet {
  user: string;
  platform: string;
  provider: string;
  provider_connection: string;
  template: string;
  node: string;
  module: string;
  module_version: string;
  assignment: string;
  pool: string;
  instance: string;
  unclaimed_device: string;
  task: string;
  intervention_policy: string;
  approval_request: string;
  compliance_snapshot: string;
  /** Recorded by attribution feedback on the instance and the module. */
  learning: string;
  event: string;
  /** Carried by every event the node's creation wrote. */
  correlation_id: string;
}

function expectStatus(res: ApiResult, status: number, what: string) {
  if (res.status !== status) throw new Error(`seed: ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`seed: no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function seedFleet(fleet: TestFleet): Promise<SeededFleet> {
  const { runtime } = fleet;
  const db = runtime.database.db;
  const tag = randomUUID().slice(0, 8);
  const post = async (path: string, body: unknown, status = 201, headers: Record<string, string> = {}) =>
    expectStatus(await fleet.api("POST", `/api/v1${path}`, { body, headers }), status, `POST ${path}`);
  const first = async (path: string) => {
    const items = expectStatus(await fleet.api("GET", `/api/v1${path}`), 200, `GET ${path}`) as { id: string }[];
    if (!items[0]) throw new Error(`seed: GET ${path} listed nothing`);
    return items[0];
  };
  const origin = (source: EventOrigin["source"]): EventOrigin => ({
    principal: systemPrincipal(runtime.accountId, []),
    source,
    correlationId: null,
    now: new Date(),
  });

  // Appliers write these; three of five bad in the last hour trips module.sync's breaker (autonomy §4.2).
  const actedAt = Date.now() - 1800_000;
  await db.insert(fleet_remediations).values(
    (["ineffective", "failed", "ineffective", "effective", "effective"] as const).map((outcome, i) => ({
      account_id: runtime.accountId,
      action_category: "module.sync",
      applier: "module_sync",
      target_type: "node_instance",
      target_id: randomUUID(),
      idempotency_key: `seed-${tag}-${i}`,
      payload_hash: "0".repeat(64),
      status: "applied" as const,
      outcome,
      acted_at: new Date(actedAt),
      validated_at: new Date(actedAt + 1200_000),
    })),
  );

  // Every account starts with a platform and the local provider with its connection (core bootstrap).
  const platform = (await first("/node_platforms")) as { id: string; architectures: string[] };
  const provider = await first("/providers?provider_type=local");
  const connection = await first(`/provider_connections?provider_id=${provider.id}`);
  const user = await post("/users", { email: `seed-${tag}@example.com`, display_name: "Seed", role: "operator" });

  const template = await post("/node_templates", { name: `seed-tpl-${tag}`, node_platform_id: platform.id });
  const correlationId = `seed-${tag}`;
  const node = await post("/nodes", { name: `seed-node-${tag}`, node_template_id: template.id }, 201, {
    "x-correlation-id": correlationId,
  });
  const event = await first(`/events?correlation_id=${correlationId}`);

  // A module comes with its draft version 1; give that version a built artifact.
  const mod = await post("/node_modules", { name: `seed-mod-${tag}`, node_platform_id: platform.id });
  const version = await first(`/module_versions?node_module_id=${mod.id}`);
  await post(`/module_versions/${version.id}/artifacts`, {
    architecture: platform.architectures[0],
    oci_ref: `registry.test/seed/${mod.name}:1`,
    oci_digest: `sha256:${"a".repeat(64)}`,
    media_type: "application/vnd.nodepilot.module.erofs.v1",
    size_bytes: 8192,
    fsverity_root_hash: "c".repeat(64),
  });
  await post(`/node_templates/${template.id}/modules`, { node_module_id: mod.id });
  const assignment = await post("/node_module_assignments", { node_id: node.id, node_module_id: mod.id });
  const pool = await post("/instance_pools", {
    name: `seed-pool-${tag}`,
    node_template_id: template.id,
    target_size: 0,
  });

  // Two boxes ask to be claimed; one is claimed onto the node (a physical instance) and heartbeats.
  const instance = {
    id: await claimBox(runtime, (_method, path, body) => post(path, body), {
      nodeId: node.id,
      heartbeatAt: new Date(),
    }),
  };
  // Its agent then reports a module the node is not assigned: the tick below opens module drift.
  await db.transaction((tx) =>
    recordHeartbeat(tx, origin("agent"), {
      instanceId: instance.id,
      bootId: "boot-1",
      agentVersion: "0.1.0",
      runningModuleDigests: { [randomUUID()]: `sha256:${"e".repeat(64)}` },
      now: new Date(),
    }),
  );
  await askToBeClaimed(runtime);
  const device = await first("/unclaimed_devices?status=pending");
  const task = await post(
    "/tasks",
    { subject_type: "node_instance", subject_id: instance.id, command: "collect_facts" },
    202,
  );

  const policy = await post("/autonomy/policies", {
    scope: "global",
    action_category: "instance.recover",
    actor_type: "agent",
    policy: "require_approval",
  });
  const { request } = await db.transaction((tx) =>
    createApprovalRequest(tx, origin("gate"), {
      action_payload: {
        account_id: runtime.accountId,
        action_category: "instance.recover",
        target: { type: "node_instance", id: instance.id },
        params: { instance_id: instance.id, operation: "reboot" },
      },
      dedup_key: `instance.recover:${instance.id}`,
      severity: "high",
      description: "Reboot the seeded instance",
    }),
  );
  const snapshot = await post("/compliance/snapshots", {});
  const feedback = await post("/fleet/attribution-feedback", {
    instance_id: instance.id,
    candidate_module_id: mod.id,
    candidate_kind: "assignment_change",
    confirmed: true,
  });

  await post("/fleet/ticks", {}, 202);
  await until("a finished tick that opened the module.sync breaker", async () => {
    const ticks = expectStatus(await fleet.api("GET", "/api/v1/fleet/ticks"), 200, "GET /fleet/ticks") as {
      finished_at: string | null;
    }[];
    const breakers = expectStatus(await fleet.api("GET", "/api/v1/autonomy/breakers"), 200, "GET /autonomy/breakers");
    return ticks.some((t) => t.finished_at) && breakers.items.length > 0;
  });

  return {
    user: user.id,
    platform: platform.id,
    provider: provider.id,
    provider_connection: connection.id,
    template: template.id,
    node: node.id,
    module: mod.id,
    module_version: version.id,
    assignment: assignment.assignment.id,
    pool: pool.id,
    instance: instance.id,
    unclaimed_device: device.id,
    task: task.task.id,
    intervention_policy: policy.id,
    approval_request: request.id,
    compliance_snapshot: snapshot.id,
    learning: feedback.learning_id,
    event: event.id,
    correlation_id: correlationId,
  };
}
