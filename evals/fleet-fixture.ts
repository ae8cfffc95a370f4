// The fleet the concierge eval talks about, built through the REST API on a test fleet: templates,
// nodes with physical instances (two of them silent), modules with assignments, a pool, users, a
// task, a policy and a pending approval. Only what no operator API makes comes from the core
// functions their real callers use: boxes asking to be claimed (pollClaim), heartbeats
// (recordHeartbeat) and an approval request (the gate's createApprovalRequest).
import { createApprovalRequest, type EventOrigin, systemPrincipal } from "@nodepilot/core";
import { askToBeClaimed, claimBox } from "../server/src/testing/boxes.ts";
import type { ApiResult, TestFleet } from "../server/src/testing/harness.ts";
import type { FixtureIds, Ref } from "./concierge-cases.ts";

export interface FleetFixture extends FixtureIds {
  /** The pending approval request's payload_hash, which approve and reject must echo. */
  approvalHash: string;
}

function data(res: ApiResult, what: string) {
  if (res.status >= 300) throw new Error(`fixture: ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export async function buildFleetFixture(fleet: TestFleet): Promise<FleetFixture> {
  const { runtime } = fleet;
  const db = runtime.database.db;
  const ids = new Map<string, string>();
  const keep = (kind: Ref["ref"], name: string, id: string) => {
    ids.set(`${kind}:${name}`, id);
    return id;
  };
  const call = async (method: string, path: string, body?: unknown) =>
    data(await fleet.api(method, `/api/v1${path}`, body === undefined ? {} : { body }), `${method} ${path}`);
  const origin = (source: EventOrigin["source"], now = new Date()): EventOrigin => ({
    principal: systemPrincipal(runtime.accountId, []),
    source,
    correlationId: null,
    now,
  });

  const [platform] = (await call("GET", "/node_platforms")) as { id: string }[];
  for (const name of ["base", "edge-base"]) {
    keep("template", name, (await call("POST", "/node_templates", { name, node_platform_id: platform!.id })).id);
  }
  const template = (name: string) => ids.get(`template:${name}`)!;
  const nodes: [string, string, Record<string, unknown>][] = [
    ["edge-1", "edge-base", { labels: { site: "ams" } }],
    ["edge-2", "edge-base", { labels: { site: "fra" } }],
    ["gpu-7", "base", { labels: { role: "gpu" } }],
    ["db-1", "base", {}],
  ];
  for (const [name, tpl, config] of nodes) {
    keep("node", name, (await call("POST", "/nodes", { name, node_template_id: template(tpl), config })).id);
  }

  for (const name of ["nginx", "openssl", "certbot", "debug-tools", "caddy"]) {
    keep("module", name, (await call("POST", "/node_modules", { name, node_platform_id: platform!.id })).id);
  }
  const mod = (name: string) => ids.get(`module:${name}`)!;
  for (const name of ["nginx", "certbot"]) {
    const join = await call("POST", `/node_templates/${template("edge-base")}/modules`, { node_module_id: mod(name) });
    keep("template_module", `edge-base/${name}`, join.template_module.id);
  }
  for (const name of ["nginx", "debug-tools"]) {
    const made = await call("POST", "/node_module_assignments", {
      node_id: ids.get("node:edge-1"),
      node_module_id: mod(name),
    });
    keep("assignment", `edge-1/${name}`, made.assignment.id);
  }
  const pool = await call("POST", "/instance_pools", { name: "ci-runners", node_template_id: template("base") });
  keep("pool", "ci-runners", pool.id);
  for (const [email, display_name, role] of [
    ["ana@example.com", "Ana", "operator"],
    ["audit@example.com", "Auditor", "viewer"],
  ] as const) {
    keep("user", display_name.toLowerCase(), (await call("POST", "/users", { email, display_name, role })).id);
  }

  // One box per node claimed as a physical instance, in this order (lists are oldest first); each
  // heartbeats once, the last two long enough ago to count as silent.
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
  for (const [nodeName, heartbeat] of [
    ["edge-1", minutesAgo(0)],
    ["edge-2", minutesAgo(10)],
    ["gpu-7", minutesAgo(20)],
  ] as const) {
    const id = await claimBox(runtime, call, {
      nodeId: ids.get(`node:${nodeName}`)!,
      instanceName: `${nodeName}-a`,
      heartbeatAt: heartbeat,
    });
    keep("instance", `${nodeName}-a`, id);
  }
  // A box still waiting to be claimed.
  await askToBeClaimed(runtime, "rack3-07");
  await call("PATCH", `/nodes/${ids.get("node:db-1")}`, { enabled: false });

  const task = await call("POST", "/tasks", {
    subject_type: "node_instance",
    subject_id: ids.get("instance:edge-1-a"),
    command: "collect_facts",
  });
  keep("task", "facts", task.task.id);
  const policy = await call("POST", "/autonomy/policies", {
    scope: "global",
    action_category: "instance.recover",
    actor_type: "agent",
    policy: "require_approval",
  });
  keep("policy", "recover", policy.id);
  const target = ids.get("instance:gpu-7-a")!;
  const { request } = await db.transaction((tx) =>
    createApprovalRequest(tx, origin("gate"), {
      action_payload: {
        account_id: runtime.accountId,
        action_category: "instance.recover",
        target: { type: "node_instance", id: target },
        params: { instance_id: target, operation: "reboot" },
      },
      dedup_key: `instance.recover:${target}`,
      severity: "high",
      description: "Reboot gpu-7-a: silent for 20 minutes",
    }),
  );
  keep("approval", "recover-gpu-7-a", request.id);

  return {
    approvalHash: request.payload_hash,
    id(kind, name) {
      const id = ids.get(`${kind}:${name}`);
      if (!id) throw new Error(`fixture: no ${kind} called ${name}`);
      return id;
    },
  };
}
