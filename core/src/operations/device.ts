// Unclaimed device operations (spec/mcp.md §6 Instances, domain.md §1.5): boxes running a generic
// image that poll the agent listener until an operator claims them by the code on their console.
import { unclaimed_devices } from "@nodepilot/store";
import { eq, gt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { claimDevice, forgetDevice, loadDevice } from "../claim/bind.ts";
import { DEVICE_STATUSES, DeviceSchema, deviceOut, selectDevices, statusFilter } from "../claim/device-schema.ts";
import { InstanceSchema, instanceOut } from "../instances/instance-schema.ts";
import { containsFilter, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdempotencyKey, IdInput, ResourceName, Uuid } from "../schemas/common.ts";
import { nodeCreate } from "./node.ts";

export const unclaimedDeviceList = defineOperation({
  name: "unclaimed_device.list",
  title: "List unclaimed devices",
  description:
    "List boxes that booted a generic image and asked to be claimed, oldest first: MAC, DMI UUID, hostname, architecture, when last seen, and status (pending, claimed, enrolled). Devices not seen for 24 h are left out. Claim codes are never listed: read the code off the box's console and use unclaimed_device.claim.",
  examples: [
    { phrase: "which boxes are waiting to be claimed", input: { status: "pending" } },
    { phrase: "find the unclaimed device called rack3-07", input: { hostname_contains: "rack3-07" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    status: z.enum(DEVICE_STATUSES).optional(),
    hostname_contains: z.string().min(1).max(253).optional(),
    mac: z
      .string()
      .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, "must be a MAC address")
      .transform((m) => m.toLowerCase())
      .optional(),
  }),
  output: listOutput(DeviceSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/unclaimed_devices" },
  async execute(ctx, input) {
    const { after, order } = pageClause(
      { createdAt: unclaimed_devices.created_at, id: unclaimed_devices.id },
      input.cursor,
    );
    const filters: (SQL | undefined)[] = [
      eq(unclaimed_devices.account_id, ctx.principal.accountId),
      gt(unclaimed_devices.expires_at, ctx.now),
      input.status ? statusFilter(input.status) : undefined,
      containsFilter(unclaimed_devices.discovered_hostname, input.hostname_contains),
      input.mac ? eq(unclaimed_devices.discovered_mac, input.mac) : undefined,
      after,
    ];
    const rows = await selectDevices(ctx.db)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, deviceOut);
  },
});

export const unclaimedDeviceGet = defineOperation({
  name: "unclaimed_device.get",
  title: "Get an unclaimed device",
  description:
    "Read one unclaimed device by id: what the box reported (MAC, DMI UUID, hostname, architecture, platform hint, agent version), when it was first and last seen, and whether it was claimed and has enrolled. Never returns its claim code.",
  examples: [
    { phrase: "show unclaimed device 0190…", input: { id: "<device id>" } },
    { phrase: "has the box I claimed enrolled yet", input: { id: "<device id>" } },
  ],
  input: z.strictObject(IdInput),
  output: DeviceSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/unclaimed_devices/:id" },
  async execute(ctx, input) {
    return deviceOut(await loadDevice(ctx, input.id));
  },
});

const NewNode = nodeCreate.input.pick({ name: true, node_template_id: true, environment_id: true, description: true });

export const unclaimedDeviceClaim = defineOperation({
  name: "unclaimed_device.claim",
  title: "Claim a device by its code",
  description:
    "Bind a physical box to a node using the 8-character claim code shown on its console: creates a physical instance (provisioning) of an existing node (node_id) or of a new node (node: {name, node_template_id}). The box's next poll receives a single-use bootstrap token, enrolls and starts heartbeating. Returns {device, instance}. Use unclaimed_device.delete to forget a box instead.",
  examples: [
    {
      phrase: "claim the box showing K7QM-P2XD for node edge-1",
      input: { claim_code: "K7QM-P2XD", node_id: "<node id>" },
    },
    {
      phrase: "claim code H4WT9NAB as a new node rack3-07 from template base",
      input: { claim_code: "H4WT9NAB", node: { name: "rack3-07", node_template_id: "<template id>" } },
    },
  ],
  input: z.strictObject({
    claim_code: z.string().min(1).max(32).describe("As shown on the box; case, spaces and dashes do not matter."),
    node_id: Uuid.optional().describe("An existing node to add the box to as a new instance."),
    node: NewNode.optional().describe("Create this node for the box instead (exactly one of node_id or node)."),
    instance_name: ResourceName.optional().describe("Defaults to the box's hostname when free, else <node>-<hex>."),
    idempotency_key: IdempotencyKey,
  }),
  output: z.strictObject({ device: DeviceSchema, instance: InstanceSchema }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "unclaimed_device.claim",
  idempotent: false,
  http: { method: "POST", path: "/unclaimed_devices/claim" },
  async execute(ctx, input) {
    const { device, instance } = await claimDevice(ctx, input);
    return { device: deviceOut(device), instance: instanceOut(instance) };
  },
});

export const unclaimedDeviceDelete = defineOperation({
  name: "unclaimed_device.delete",
  title: "Forget an unclaimed device",
  description:
    "Forget (reject) an unclaimed device: its record is deleted, and a bootstrap token it was handed but has not used is revoked, which takes back a claim before the box enrolls. An instance already created for it is kept (use instance.terminate). A box that keeps polling comes back as a new pending device with a new code.",
  examples: [
    { phrase: "forget unclaimed device 0190…", input: { id: "<device id>" } },
    { phrase: "reject that box, it is not ours", input: { id: "<device id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({
    id: Uuid,
    deleted: z.literal(true),
    status: z.enum(DEVICE_STATUSES).describe("The device's status when it was forgotten."),
    token_revoked: z.boolean(),
  }),
  scope: "fleet:write",
  // Nothing of value is lost: the box re-registers on its next poll, so this is a reversible write.
  effect: "write",
  actionCategory: "unclaimed_device.delete",
  idempotent: true,
  http: { method: "DELETE", path: "/unclaimed_devices/:id" },
  async execute(ctx, input) {
    const out = await forgetDevice(ctx, input.id);
    return { id: input.id, deleted: true as const, status: out.status, token_revoked: out.tokenRevoked };
  },
});

export const unclaimedDeviceOperations = [
  unclaimedDeviceList,
  unclaimedDeviceGet,
  unclaimedDeviceClaim,
  unclaimedDeviceDelete,
];
