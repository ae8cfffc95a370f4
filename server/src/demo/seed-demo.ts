// `nodepilot start --demo`: a small fleet that runs for real on this machine. Idempotent: a template
// `demo`, nodes demo-1..3, and one local instance (the real on-node agent in a sandbox) per node;
// whatever already exists is left as it is, so restarting with --demo adds nothing twice.
import { ALL_SCOPES, invoke, type Principal } from "@nodepilot/core";
import { node_instances, node_platforms, node_templates, nodes } from "@nodepilot/store";
import { and, asc, eq, ne } from "drizzle-orm";
import type { Runtime } from "../runtime.ts";

export const DEMO_TEMPLATE = "demo";
export const DEMO_NODES = ["demo-1", "demo-2", "demo-3"] as const;

export interface DemoSeed {
  templateId: string;
  nodes: { name: string; nodeId: string; instanceId: string; provisioned: boolean }[];
}

/** The account owner, acting through the same pipeline (scopes, events) as the API. */
function ownerPrincipal(runtime: Runtime): Principal {
  return {
    accountId: runtime.accountId,
    userId: runtime.ownerUserId,
    tokenId: null,
    role: null,
    scopes: [...ALL_SCOPES],
    environmentIds: [],
    actorType: "system",
    actorId: "demo",
    kind: "operator",
  };
}

export async function seedDemo(runtime: Runtime): Promise<DemoSeed> {
  // Local instances run the agent, which must be able to reach its listener to enroll.
  if (!runtime.agentApi) throw new Error("seedDemo needs the agent listener: call runtime.startAgentApi() first");
  const { db } = runtime.database;
  const accountId = runtime.accountId;
  const principal = ownerPrincipal(runtime);
  const call = (name: string, input: Record<string, unknown>) => {
    const op = runtime.catalog.get(name);
    if (!op) throw new Error(`operation ${name} is not in the catalog`);
    return invoke(runtime.services, op, principal, input, { source: "system" }) as Promise<{ id: string }>;
  };

  let [template] = await db
    .select({ id: node_templates.id })
    .from(node_templates)
    .where(and(eq(node_templates.account_id, accountId), eq(node_templates.name, DEMO_TEMPLATE)));
  if (!template) {
    const [platform] = await db
      .select({ id: node_platforms.id })
      .from(node_platforms)
      .where(eq(node_platforms.account_id, accountId))
      .orderBy(asc(node_platforms.created_at))
      .limit(1);
    if (!platform) throw new Error(`account ${accountId} has no node platform to build the demo template on`);
    template = await call("template.create", {
      name: DEMO_TEMPLATE,
      description: "Demo nodes running the real agent on this machine",
      node_platform_id: platform.id,
    });
  }

  const out: DemoSeed = { templateId: template.id, nodes: [] };
  for (const name of DEMO_NODES) {
    let [node] = await db
      .select({ id: nodes.id })
      .from(nodes)
      .where(and(eq(nodes.account_id, accountId), eq(nodes.name, name)));
    node ??= await call("node.create", { name, node_template_id: template.id });
    const [live] = await db
      .select({ id: node_instances.id })
      .from(node_instances)
      .where(and(eq(node_instances.node_id, node.id), ne(node_instances.status, "terminated")))
      .limit(1);
    if (live) {
      out.nodes.push({ name, nodeId: node.id, instanceId: live.id, provisioned: false });
      continue;
    }
    const { instance } = (await call("instance.provision", { node_id: node.id })) as unknown as {
      instance: { id: string };
    };
    out.nodes.push({ name, nodeId: node.id, instanceId: instance.id, provisioned: true });
  }
  return out;
}
