// Node operations: a node is the logical host that outlives its instances (spec/domain.md §1.2).

import { node_instances, node_templates, nodes } from "@nodepilot/store";
import { and, eq, ne, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { conflict } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { containsFilter, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { generateSshKeyPair } from "../lib/ssh-keys.ts";
import { IdInput, Labels, ResourceName, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const NodeConfig = z.strictObject({
  authorized_keys: z.array(z.string().min(1).max(16_384)).max(100).optional(),
  hostname: z.string().max(253).optional(),
  labels: Labels.optional(),
});

export const NodeSchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  node_template_id: Uuid,
  environment_id: Uuid.nullable(),
  public_address: z.string().nullable(),
  allocate_public_ip: z.boolean(),
  config: NodeConfig,
  ssh_key_type: z.enum(["ed25519", "rsa2048"]),
  ssh_public_key: z.string(),
  ssh_key_fingerprint: z.string(),
  ssh_host_key_fingerprint: z.string(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

type NodeRow = typeof nodes.$inferSelect;

export function nodeOut(row: NodeRow): z.infer<typeof NodeSchema> {
  const { account_id: _a, ssh_key_encrypted: _k, ssh_host_key_encrypted: _h, ...rest } = row;
  return toJson({ ...rest, config: rest.config as z.infer<typeof NodeConfig> });
}

async function loadNode(ctx: OpContext, id: string, forUpdate = false) {
  return findInAccount(ctx.db, nodes, ctx.principal.accountId, id, "node", { forUpdate });
}

export const nodeCreate = defineOperation({
  name: "node.create",
  title: "Create a node",
  description:
    "Create a logical node (a host that outlives its machines) from a template, with fresh SSH client and host keys. No machine is started: use instance.provision afterwards. Returns the node.",
  examples: [
    {
      phrase: "create a node called edge-1 from template base",
      input: { name: "edge-1", node_template_id: "<template id>" },
    },
    {
      phrase: "add node gpu-7 labelled role=gpu",
      input: { name: "gpu-7", node_template_id: "<template id>", config: { labels: { role: "gpu" } } },
    },
  ],
  input: z.strictObject({
    name: ResourceName.describe("Unique per account."),
    description: z.string().max(2000).default(""),
    node_template_id: Uuid,
    environment_id: Uuid.optional().describe("Defaults to the template's environment."),
    public_address: z.string().max(253).optional(),
    allocate_public_ip: z.boolean().default(false),
    enabled: z.boolean().default(true),
    config: NodeConfig.default({}),
  }),
  output: NodeSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "node.create",
  idempotent: true,
  http: { method: "POST", path: "/nodes" },
  async execute(ctx, input) {
    const template = await findInAccount(
      ctx.db,
      node_templates,
      ctx.principal.accountId,
      input.node_template_id,
      "node template",
    );
    const legacy = (template.config as { legacy_rsa_keys?: boolean }).legacy_rsa_keys === true;
    const keyType = legacy ? "rsa2048" : "ed25519";
    const client = generateSshKeyPair(keyType, `nodepilot@${input.name}`);
    const host = generateSshKeyPair(keyType, `host@${input.name}`);
    const [row] = await ctx.db
      .insert(nodes)
      .values({
        account_id: ctx.principal.accountId,
        name: input.name,
        description: input.description,
        enabled: input.enabled,
        node_template_id: template.id,
        environment_id: input.environment_id ?? template.environment_id,
        public_address: input.public_address ?? null,
        allocate_public_ip: input.allocate_public_ip,
        config: input.config,
        ssh_key_type: keyType,
        ssh_key_encrypted: ctx.services.secrets.seal(client.privatePem, "node.ssh_key"),
        ssh_key_fingerprint: client.fingerprint,
        ssh_public_key: client.publicKey,
        ssh_host_key_encrypted: ctx.services.secrets.seal(host.privatePem, "node.ssh_host_key"),
        ssh_host_key_fingerprint: host.fingerprint,
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "node.created",
      payload: { name: row.name, node_template_id: row.node_template_id },
      subject_type: "node",
      subject_id: row.id,
      node_id: row.id,
    });
    return nodeOut(row);
  },
});

export const nodeGet = defineOperation({
  name: "node.get",
  title: "Get a node",
  description:
    "Read one node by id: template, environment, config, SSH key fingerprints. Use instance.list with node_id for its machines.",
  examples: [
    { phrase: "show node 0190…", input: { id: "<node id>" } },
    { phrase: "what template does this node use", input: { id: "<node id>" } },
  ],
  input: z.strictObject(IdInput),
  output: NodeSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/nodes/:id" },
  async execute(ctx, input) {
    return nodeOut(await loadNode(ctx, input.id));
  },
});

export const nodeList = defineOperation({
  name: "node.list",
  title: "List nodes",
  description:
    "List nodes, oldest first, optionally filtered by template, environment, enabled flag or a name substring. Paginated with limit and cursor.",
  examples: [
    { phrase: "list all nodes", input: {} },
    { phrase: "which nodes use template base", input: { node_template_id: "<template id>" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    node_template_id: Uuid.optional(),
    environment_id: Uuid.optional(),
    enabled: z.boolean().optional(),
    name_contains: z.string().min(1).max(63).optional(),
  }),
  output: listOutput(NodeSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/nodes" },
  async execute(ctx, input) {
    const { after, order } = pageClause({ createdAt: nodes.created_at, id: nodes.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(nodes.account_id, ctx.principal.accountId),
      input.node_template_id ? eq(nodes.node_template_id, input.node_template_id) : undefined,
      input.environment_id ? eq(nodes.environment_id, input.environment_id) : undefined,
      input.enabled === undefined ? undefined : eq(nodes.enabled, input.enabled),
      containsFilter(nodes.name, input.name_contains),
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(nodes)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, nodeOut);
  },
});

export const nodeUpdate = defineOperation({
  name: "node.update",
  title: "Update a node",
  description:
    "Change a node's description, enabled flag, public address or config (labels, hostname, authorized keys). Pass `version` to refuse the write if someone changed the node since you read it. Use node.set_template to retarget the template.",
  examples: [
    { phrase: "disable node edge-1", input: { id: "<node id>", enabled: false } },
    { phrase: "label node edge-1 with site=ams", input: { id: "<node id>", config: { labels: { site: "ams" } } } },
  ],
  input: z.strictObject({
    ...IdInput,
    version: z.number().int().positive().optional().describe("Expected current version (optimistic concurrency)."),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().optional(),
    public_address: z.string().max(253).nullable().optional(),
    allocate_public_ip: z.boolean().optional(),
    config: NodeConfig.optional().describe("Replaces the whole config object."),
  }),
  output: NodeSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "node.update",
  idempotent: true,
  http: { method: "PATCH", path: "/nodes/:id" },
  async execute(ctx, input) {
    const current = await loadNode(ctx, input.id, true);
    if (input.version !== undefined && input.version !== current.version) {
      throw conflict(`node ${current.name} is at version ${current.version}, not ${input.version}`, {
        reason: "stale_version",
        details: { current_version: current.version },
      });
    }
    const { id: _id, version: _v, ...changes } = input;
    const [row] = await ctx.db
      .update(nodes)
      .set({ ...changes, version: current.version + 1, updated_at: ctx.now })
      .where(and(eq(nodes.id, current.id), eq(nodes.version, current.version)))
      .returning();
    if (!row) throw conflict("node changed concurrently", { reason: "stale_version" });
    await emitEvent(ctx.db, ctx, {
      kind: "node.updated",
      payload: { fields: Object.keys(changes) },
      subject_type: "node",
      subject_id: row.id,
      node_id: row.id,
    });
    return nodeOut(row);
  },
});

export const nodeDelete = defineOperation({
  name: "node.delete",
  title: "Delete a node",
  description:
    "Delete a node and its module assignments. Refused with conflict/in_use while any of its instances is not terminated: terminate them first (instance.terminate). Returns the deleted id.",
  examples: [
    { phrase: "delete node edge-1", input: { id: "<node id>" } },
    { phrase: "remove the node 0190…", input: { id: "<node id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "node.delete",
  idempotent: true,
  http: { method: "DELETE", path: "/nodes/:id" },
  async execute(ctx, input) {
    const node = await loadNode(ctx, input.id, true);
    const live = await ctx.db
      .select({ id: node_instances.id, status: node_instances.status })
      .from(node_instances)
      .where(and(eq(node_instances.node_id, node.id), ne(node_instances.status, "terminated")))
      .limit(1);
    if (live[0]) {
      throw conflict(`node ${node.name} still has instance ${live[0].id} in state ${live[0].status}`, {
        reason: "in_use",
        details: { instance_id: live[0].id },
      });
    }
    await ctx.db.delete(nodes).where(eq(nodes.id, node.id));
    await emitEvent(ctx.db, ctx, {
      kind: "node.deleted",
      severity: "medium",
      payload: { name: node.name },
      subject_type: "node",
      subject_id: node.id,
    });
    return { id: node.id, deleted: true as const };
  },
});

export const nodeOperations = [nodeCreate, nodeGet, nodeList, nodeUpdate, nodeDelete];
