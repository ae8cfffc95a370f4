// Instance operations (spec/mcp.md §6 Instances): reads, provisioning, power and removal actions that
// move the instance into a transitional state and queue the task that settles it, and the controls.
import { instance_pool_members, node_instances, nodes } from "@nodepilot/store";
import { and, eq, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { loadInstance, runInstanceAction } from "../instances/actions.ts";
import { releaseHold, setCordon, setHold } from "../instances/controls.ts";
import { type InstanceRow, InstanceSchema, instanceOut } from "../instances/instance-schema.ts";
import { provisionInstance } from "../instances/provision.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { HEARTBEAT_STALE_AFTER_MS, INSTANCE_STATES } from "../machines/instance-machine.ts";
import { Architecture, IdempotencyKey, IdInput, ResourceName, Uuid } from "../schemas/common.ts";
import type { TaskRow } from "../tasks/create-task.ts";
import { TaskSchema, taskOut } from "../tasks/create-task.ts";

const WithTask = z.strictObject({ instance: InstanceSchema, task: TaskSchema });
const withTask = (r: { instance: InstanceRow; task: TaskRow }) => ({
  instance: instanceOut(r.instance),
  task: taskOut(r.task),
});

// Silent: running or starting, and no heartbeat within HEARTBEAT_STALE_AFTER (spec/domain.md §1.2).
function silentClause(ctx: OpContext, silent: boolean): SQL {
  const cutoff = new Date(ctx.now.getTime() - HEARTBEAT_STALE_AFTER_MS);
  const clause = and(
    inArray(node_instances.status, ["running", "starting"]),
    or(isNull(node_instances.last_heartbeat_at), lt(node_instances.last_heartbeat_at, cutoff)),
  ) as SQL;
  return silent ? clause : sql`not (${clause})`;
}

export const instanceList = defineOperation({
  name: "instance.list",
  title: "List instances",
  description:
    "List node instances (machines), oldest first. Filter by node, node template, status, environment, pool, or `silent` (running or starting with no heartbeat for 180 s). Paginated with limit and cursor. Use instance.get for one instance.",
  examples: [
    { phrase: "which machines are silent", input: { silent: true } },
    { phrase: "list the running instances of node edge-1", input: { node_id: "<node id>", status: ["running"] } },
  ],
  input: z.strictObject({
    ...listInputShape,
    node_id: Uuid.optional(),
    node_template_id: Uuid.optional().describe("Instances of nodes built from this template."),
    status: z.array(z.enum(INSTANCE_STATES)).min(1).optional().describe("Any of these states."),
    environment_id: Uuid.optional(),
    instance_pool_id: Uuid.optional().describe("Members of this pool."),
    silent: z.boolean().optional().describe("true: only silent instances; false: only instances that are not silent."),
  }),
  output: listOutput(InstanceSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/node_instances" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const { after, order } = pageClause({ createdAt: node_instances.created_at, id: node_instances.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(node_instances)
      .where(
        whereAll(
          eq(node_instances.account_id, accountId),
          input.node_id ? eq(node_instances.node_id, input.node_id) : undefined,
          input.node_template_id
            ? inArray(
                node_instances.node_id,
                ctx.db
                  .select({ id: nodes.id })
                  .from(nodes)
                  .where(and(eq(nodes.account_id, accountId), eq(nodes.node_template_id, input.node_template_id))),
              )
            : undefined,
          input.status ? inArray(node_instances.status, input.status) : undefined,
          input.environment_id ? eq(node_instances.environment_id, input.environment_id) : undefined,
          input.instance_pool_id
            ? inArray(
                node_instances.id,
                ctx.db
                  .select({ id: instance_pool_members.node_instance_id })
                  .from(instance_pool_members)
                  .where(
                    and(
                      eq(instance_pool_members.account_id, accountId),
                      eq(instance_pool_members.instance_pool_id, input.instance_pool_id),
                    ),
                  ),
              )
            : undefined,
          input.silent === undefined ? undefined : silentClause(ctx, input.silent),
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, instanceOut);
  },
});

export const instanceGet = defineOperation({
  name: "instance.get",
  title: "Get an instance",
  description:
    "Read one instance by id: status and when it changed, last heartbeat, agent version, boot id, running module digests, capabilities, addresses, hold and cordon. Use task.list with the instance as subject for its work.",
  examples: [
    { phrase: "show instance 0190…", input: { id: "<instance id>" } },
    { phrase: "when did this machine last heartbeat", input: { id: "<instance id>" } },
  ],
  input: z.strictObject(IdInput),
  output: InstanceSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_instances/:id" },
  async execute(ctx, input) {
    return instanceOut(await loadInstance(ctx, input.id));
  },
});

export const instanceProvision = defineOperation({
  name: "instance.provision",
  title: "Provision an instance",
  description:
    "Create a new machine for a node: writes the instance (pending) and queues a provision task that asks the provider for the machine. Region, instance type and image default to the account's local provider. The instance becomes running on its first heartbeat. Returns {instance, task}; follow with task.get.",
  examples: [
    { phrase: "start a machine for node edge-1", input: { node_id: "<node id>" } },
    {
      phrase: "provision edge-1 on the medium local size",
      input: { node_id: "<node id>", instance_type_id: "<instance type id>", idempotency_key: "edge-1-medium" },
    },
  ],
  input: z.strictObject({
    node_id: Uuid,
    name: ResourceName.optional().describe("Unique per node; generated from the node's name when omitted."),
    provider_region_id: Uuid.optional().describe("Defaults to the account's local provider region."),
    instance_type_id: Uuid.optional().describe("Defaults to the smallest available type of the region's connection."),
    image_id: Uuid.optional(),
    zone_code: z.string().min(1).max(63).optional(),
    environment_id: Uuid.optional().describe("Defaults to the node's environment."),
    architecture: Architecture.optional(),
    spot: z.boolean().optional(),
    idempotency_key: IdempotencyKey,
  }),
  output: WithTask,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "instance.provision",
  taskCommand: "provision",
  openWorld: true,
  http: { method: "POST", path: "/node_instances" },
  async execute(ctx, input) {
    return withTask(await provisionInstance(ctx, input));
  },
});

export const instanceStart = defineOperation({
  name: "instance.start",
  title: "Start an instance",
  description:
    "Power on a stopped (or errored) instance: it becomes starting and a start task asks the provider; the provider reporting running settles it. Refused while the instance is on hold. Returns {instance, task}.",
  examples: [
    { phrase: "start instance 0190…", input: { id: "<instance id>" } },
    { phrase: "power the machine back on", input: { id: "<instance id>" } },
  ],
  input: z.strictObject({ ...IdInput, idempotency_key: IdempotencyKey }),
  output: WithTask,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "instance.start",
  taskCommand: "start",
  openWorld: true,
  http: { method: "POST", path: "/node_instances/:id/start" },
  async execute(ctx, input) {
    return withTask(
      await runInstanceAction(ctx, {
        instanceId: input.id,
        event: "start",
        command: "start",
        payload: {},
        idempotencyKey: input.idempotency_key,
      }),
    );
  },
});

export const instanceStop = defineOperation({
  name: "instance.stop",
  title: "Stop an instance",
  description:
    "Power off a running or starting instance: it becomes stopping and a stop task asks the provider (graceful, or immediate with force); the provider reporting stopped settles it. Allowed under a hold. Returns {instance, task}.",
  examples: [
    { phrase: "stop instance 0190…", input: { id: "<instance id>" } },
    { phrase: "kill the power on this machine now", input: { id: "<instance id>", force: true } },
  ],
  input: z.strictObject({
    ...IdInput,
    force: z.boolean().default(false).describe("Skip the graceful shutdown."),
    idempotency_key: IdempotencyKey,
  }),
  output: WithTask,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "instance.stop",
  taskCommand: "stop",
  openWorld: true,
  http: { method: "POST", path: "/node_instances/:id/stop" },
  async execute(ctx, input) {
    return withTask(
      await runInstanceAction(ctx, {
        instanceId: input.id,
        event: "stop",
        command: "stop",
        payload: { force: input.force },
        idempotencyKey: input.idempotency_key,
      }),
    );
  },
});

export const instanceReboot = defineOperation({
  name: "instance.reboot",
  title: "Reboot an instance",
  description:
    "Reboot a running instance: it becomes rebooting. By default the agent reboots gracefully (a reboot task, settled by a heartbeat with a new boot id); with hard the provider power-cycles it. Refused under a hold. Returns {instance, task}.",
  examples: [
    { phrase: "reboot instance 0190…", input: { id: "<instance id>", reason: "kernel update" } },
    { phrase: "hard reset the hung machine", input: { id: "<instance id>", hard: true } },
  ],
  input: z.strictObject({
    ...IdInput,
    hard: z.boolean().default(false).describe("Power-cycle through the provider instead of asking the agent."),
    reason: z.string().min(1).max(500).default("requested by operator"),
    idempotency_key: IdempotencyKey,
  }),
  output: WithTask,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "instance.reboot",
  taskCommand: "reboot",
  openWorld: true,
  http: { method: "POST", path: "/node_instances/:id/reboot" },
  async execute(ctx, input) {
    return withTask(
      await runInstanceAction(ctx, {
        instanceId: input.id,
        event: "reboot",
        command: input.hard ? "power_cycle" : "reboot",
        payload: input.hard ? {} : { reason: input.reason },
        idempotencyKey: input.idempotency_key,
        transition: { reason: input.reason },
      }),
    );
  },
});

export const instanceTerminate = defineOperation({
  name: "instance.terminate",
  title: "Terminate an instance",
  description:
    "Destroy the machine of an instance at the provider (the node is kept): it becomes terminating and a terminate task settles it as terminated, which revokes its certificates and cancels its queued tasks. Refused under a hold. Use instance.decommission to drain first. Returns {instance, task}.",
  examples: [
    { phrase: "terminate instance 0190…", input: { id: "<instance id>" } },
    { phrase: "destroy this machine but keep its public ip", input: { id: "<instance id>", release_ips: false } },
  ],
  input: z.strictObject({
    ...IdInput,
    release_ips: z.boolean().default(true).describe("Release the instance's allocated public IPs."),
    idempotency_key: IdempotencyKey,
  }),
  output: WithTask,
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "instance.terminate",
  taskCommand: "terminate",
  openWorld: true,
  http: { method: "POST", path: "/node_instances/:id/terminate" },
  async execute(ctx, input) {
    return withTask(
      await runInstanceAction(ctx, {
        instanceId: input.id,
        event: "terminate",
        command: "terminate",
        payload: { release_ips: input.release_ips },
        idempotencyKey: input.idempotency_key,
      }),
    );
  },
});

export const instanceDecommission = defineOperation({
  name: "instance.decommission",
  title: "Decommission an instance",
  description:
    "Retire an instance gracefully: cordon it, let in-flight agent tasks finish (up to drain_timeout_seconds), then terminate it at the provider and release its IPs. It becomes terminating now and terminated when done. Refused under a hold. Returns {instance, task}.",
  examples: [
    { phrase: "decommission instance 0190…", input: { id: "<instance id>" } },
    {
      phrase: "retire this machine, give it 2 minutes to drain",
      input: { id: "<instance id>", drain_timeout_seconds: 120 },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    drain_timeout_seconds: z.number().int().min(0).max(3600).default(600),
    idempotency_key: IdempotencyKey,
  }),
  output: WithTask,
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "instance.decommission",
  taskCommand: "decommission",
  openWorld: true,
  http: { method: "POST", path: "/node_instances/:id/decommission" },
  async execute(ctx, input) {
    return withTask(
      await runInstanceAction(ctx, {
        instanceId: input.id,
        event: "terminate",
        command: "decommission",
        payload: { drain_timeout_seconds: input.drain_timeout_seconds },
        idempotencyKey: input.idempotency_key,
        transition: { reason: "decommission", set: { cordoned_at: ctx.now } },
      }),
    );
  },
});

const control = (
  name: string,
  title: string,
  description: string,
  examples: { phrase: string; input: Record<string, unknown> }[],
  verb: string,
  run: (ctx: OpContext, id: string) => Promise<InstanceRow>,
) =>
  defineOperation({
    name,
    title,
    description,
    examples,
    input: z.strictObject(IdInput),
    output: InstanceSchema,
    scope: "fleet:write",
    effect: "write",
    actionCategory: name,
    idempotent: true,
    http: { method: "POST", path: `/node_instances/:id/${verb}`, status: 200 },
    async execute(ctx, input) {
      return instanceOut(await run(ctx, input.id));
    },
  });

export const instanceCordon = control(
  "instance.cordon",
  "Cordon an instance",
  "Fence an instance from pool allocation and new tasks without touching what runs on it. Cordoning a cordoned instance changes nothing. Undo with instance.uncordon. Returns the instance.",
  [
    { phrase: "cordon instance 0190…", input: { id: "<instance id>" } },
    { phrase: "stop scheduling work on this machine", input: { id: "<instance id>" } },
  ],
  "cordon",
  (ctx, id) => setCordon(ctx, id, true),
);

export const instanceUncordon = control(
  "instance.uncordon",
  "Uncordon an instance",
  "Lift a cordon so the instance takes allocations and new tasks again. Returns the instance.",
  [
    { phrase: "uncordon instance 0190…", input: { id: "<instance id>" } },
    { phrase: "let this machine take work again", input: { id: "<instance id>" } },
  ],
  "uncordon",
  (ctx, id) => setCordon(ctx, id, false),
);

export const instanceHold = defineOperation({
  name: "instance.hold",
  title: "Hold an instance",
  description:
    "Put an instance on hold: start, reboot and terminate are refused (conflict/held) until instance.release_hold; stop stays allowed. Records who placed it and why. Returns the instance.",
  examples: [
    { phrase: "hold instance 0190… while I debug it", input: { id: "<instance id>", reason: "debugging disk errors" } },
    { phrase: "nobody touch this machine, forensics", input: { id: "<instance id>", reason: "forensics" } },
  ],
  input: z.strictObject({ ...IdInput, reason: z.string().min(1).max(500) }),
  output: InstanceSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "instance.hold",
  idempotent: true,
  http: { method: "POST", path: "/node_instances/:id/hold", status: 200 },
  async execute(ctx, input) {
    return instanceOut(await setHold(ctx, input.id, input.reason));
  },
});

export const instanceReleaseHold = defineOperation({
  name: "instance.release_hold",
  title: "Release an instance's hold",
  description:
    "Lift the hold on an instance so start, reboot and terminate are allowed again. Releasing an instance without a hold changes nothing. Returns the instance.",
  examples: [
    { phrase: "release the hold on instance 0190…", input: { id: "<instance id>" } },
    { phrase: "debugging done, unhold this machine", input: { id: "<instance id>", reason: "debugging done" } },
  ],
  input: z.strictObject({ ...IdInput, reason: z.string().min(1).max(500).optional() }),
  output: InstanceSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "instance.release_hold",
  idempotent: true,
  http: { method: "POST", path: "/node_instances/:id/release_hold", status: 200 },
  async execute(ctx, input) {
    return instanceOut(await releaseHold(ctx, input.id, input.reason));
  },
});

export const instanceOperations = [
  instanceList,
  instanceGet,
  instanceProvision,
  instanceStart,
  instanceStop,
  instanceReboot,
  instanceTerminate,
  instanceDecommission,
  instanceCordon,
  instanceUncordon,
  instanceHold,
  instanceReleaseHold,
];
