// The simulated fleet's records: a `sim-…` template and N nodes created through the REST catalog with
// an admin token (the same routes an operator uses), then one instance per node written in process
// in status `provisioning` with a bootstrap token. No provider is asked for a machine and no process
// is started: the simulated agents are the machines.
import { randomUUID } from "node:crypto";
import { AppError, emitEvent, issueBootstrapToken, systemPrincipal } from "@nodepilot/core";
import { node_instances } from "@nodepilot/store";
import type { Runtime } from "../runtime.ts";

export interface SimMachine {
  index: number;
  nodeId: string;
  instanceId: string;
  bootstrapToken: string;
}

export interface SimFleet {
  runId: string;
  templateId: string;
  machines: SimMachine[];
}

async function rest<T>(runtime: Runtime, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await runtime.app.request(`/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) {
    throw new AppError("unavailable", `sim setup: ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  }
  return (JSON.parse(text) as { data: T }).data;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
    }),
  );
  return out;
}

export async function createSimFleet(runtime: Runtime, token: string, agents: number): Promise<SimFleet> {
  const runId = randomUUID().slice(0, 8);
  const platforms = await rest<{ id: string }[]>(runtime, token, "GET", "/node_platforms?limit=1");
  const platform = platforms[0];
  if (!platform)
    throw new AppError("conflict", "sim setup: the account has no node platform to put the sim template on");
  const template = await rest<{ id: string }>(runtime, token, "POST", "/node_templates", {
    name: `sim-${runId}`,
    description: `fleet simulator run ${runId}`,
    node_platform_id: platform.id,
  });
  const db = runtime.database.db;
  const accountId = runtime.accountId;
  const machines = await inParallel(
    Array.from({ length: agents }, (_, i) => i),
    8,
    async (index): Promise<SimMachine> => {
      const node = await rest<{ id: string }>(runtime, token, "POST", "/nodes", {
        name: `sim-${runId}-${index}`,
        node_template_id: template.id,
      });
      const now = new Date();
      const origin = {
        principal: systemPrincipal(accountId, ["fleet:admin"]),
        source: "system" as const,
        correlationId: null,
        now,
      };
      return db.transaction(async (tx) => {
        const [instance] = await tx
          .insert(node_instances)
          .values({
            account_id: accountId,
            node_id: node.id,
            name: `sim-${index}`,
            variety: "local",
            status: "provisioning",
          })
          .returning({ id: node_instances.id });
        if (!instance) throw new Error("sim setup: instance insert returned nothing");
        await emitEvent(tx, origin, {
          kind: "instance.simulated",
          payload: { run_id: runId, index },
          subject_type: "node_instance",
          subject_id: instance.id,
          node_id: node.id,
          node_instance_id: instance.id,
        });
        const issued = await issueBootstrapToken(tx, origin, {
          accountId,
          nodeId: node.id,
          instanceId: instance.id,
          purpose: "enroll",
          now,
        });
        return { index, nodeId: node.id, instanceId: instance.id, bootstrapToken: issued.plaintext };
      });
    },
  );
  return { runId, templateId: template.id, machines };
}
