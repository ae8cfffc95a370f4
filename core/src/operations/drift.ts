// The drift queue as operations (spec/ui.md §5 "Drift queue"): list the drift conditions the
// sensors track, with expected-vs-actual pairs, age and a computed status; snooze, resolve or assign
// one; remediate several at once. The conditions are fleet_signal_states, the operator's decisions
// the fleet_drift_items overlay of the current episode (core/src/drift/), so a snooze ends by the
// clock, a clearing auto-resolves, and a drift that comes back in a new episode is open again.
import { users } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { type DriftItem, DriftItemSchema } from "../drift/items.ts";
import { DRIFT_KINDS } from "../drift/kinds.ts";
import { actorOf, emitDriftEvent, lockOverlay, updateOverlay } from "../drift/overlay.ts";
import { findRow, itemsOf, keyOf, listDrift } from "../drift/queue.ts";
import { DRIFT_STATUSES } from "../drift/status.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { remediateOperation } from "./drift-remediate.ts";

const ItemId = z.string().min(1).max(400).describe("A drift item id, as drift.list returns it.");
const Reason = z.string().trim().min(3).max(500);

const SNOOZE_SECONDS = { "1h": 3600, "24h": 86_400, "7d": 604_800 } as const;

/** The item as it stands in this transaction, locked for change, with its status. */
async function lockedItem(ctx: OpContext, id: string) {
  const accountId = ctx.principal.accountId;
  const key = keyOf(id, "id");
  const first = await findRow(ctx.db, accountId, key, id);
  await lockOverlay(ctx.db, accountId, first);
  // Read again under the lock: another decision may have landed meanwhile.
  const row = await findRow(ctx.db, accountId, key, id);
  // A tick that began a new episode meanwhile: the decision is about the new one.
  if (row.episode !== first.episode) await lockOverlay(ctx.db, accountId, row);
  const [item] = await itemsOf(ctx.db, accountId, ctx.now, [row]);
  return { row, item: item! };
}

/** Snooze, resolve and assign need an item still drifting and not resolved. */
function assertActive(item: DriftItem, action: string): void {
  if (item.status === "resolved") {
    throw conflict(`drift item ${item.id} is already resolved; there is nothing to ${action}`, {
      reason: "already_resolved",
      current_state: item.status,
    });
  }
  if (item.status === "auto_resolved") {
    throw conflict(`drift item ${item.id} cleared at ${item.cleared_at}: the sensor no longer reports it`, {
      reason: "already_cleared",
      current_state: item.status,
    });
  }
}

async function reread(ctx: OpContext, id: string): Promise<DriftItem> {
  const row = await findRow(ctx.db, ctx.principal.accountId, keyOf(id, "id"), id);
  const [item] = await itemsOf(ctx.db, ctx.principal.accountId, ctx.now, [row]);
  return item!;
}

export const driftList = defineOperation({
  name: "drift.list",
  title: "List the drift queue",
  description:
    "The drift queue: conditions where the fleet differs from what it should be — modules running other digests than assigned (module drift), config changes never applied, packages behind upstream, instances whose provider state differs from ours, storage assignments stuck mid-reconcile, GitOps repositories whose fleet.yaml differs from the live fleet. Each item shows its subject, expected vs actual pairs, first detection and last seen, status (open, remediating, snoozed, resolved, auto_resolved), assignee and the suggested remediation. Oldest first; default status active (open, remediating, snoozed); filter by kind or instance_id.",
  examples: [
    { phrase: "show the drift queue", input: {} },
    { phrase: "which instances have module drift", input: { kind: "fleet.module_drift" } },
  ],
  input: z.strictObject({
    status: z
      .enum([...DRIFT_STATUSES, "active"])
      .default("active")
      .describe("One status, or active (open, remediating and snoozed)."),
    kind: z.enum(DRIFT_KINDS).optional(),
    instance_id: z.uuid().optional().describe("Only items about this instance."),
    limit: z.number().int().min(1).max(500).default(200).describe("Items, 1–500 (default 200)."),
  }),
  output: z.strictObject({ items: z.array(DriftItemSchema), has_more: z.boolean(), next_cursor: z.null() }),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/fleet/drift" },
  async execute(ctx, input) {
    const page = await listDrift(ctx.db, {
      accountId: ctx.principal.accountId,
      now: ctx.now,
      status: input.status,
      ...(input.kind ? { kind: input.kind } : {}),
      ...(input.instance_id ? { instanceId: input.instance_id } : {}),
      limit: input.limit,
    });
    return { ...page, next_cursor: null };
  },
});

export const driftSnooze = defineOperation({
  name: "drift.snooze",
  title: "Snooze a drift item",
  description:
    "Snooze (mute) a drift item: hide it from the active queue for an hour (1h), a day (24h) or a week (7d), with a reason. When the snooze ends the item is open again if the sensor still reports the drift; if it cleared meanwhile it is auto_resolved. Snoozing again replaces the end. Refused (409) for an item already resolved or cleared. Recorded as fleet.drift_snoozed.",
  examples: [
    {
      phrase: "snooze that drift item for a day, the maintenance window is tomorrow",
      input: { id: "<drift item id>", duration: "24h", reason: "maintenance window tomorrow" },
    },
    {
      phrase: "snooze this drift 1h while I look into it",
      input: { id: "<drift item id>", duration: "1h", reason: "looking into it" },
    },
  ],
  input: z.strictObject({
    id: ItemId,
    duration: z.enum(["1h", "24h", "7d"]),
    reason: Reason,
  }),
  output: DriftItemSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "drift.triage",
  idempotent: true,
  http: { method: "POST", path: "/fleet/drift/:id/snooze", status: 200 },
  async execute(ctx, input) {
    const { row, item } = await lockedItem(ctx, input.id);
    assertActive(item, "snooze");
    const until = new Date(ctx.now.getTime() + SNOOZE_SECONDS[input.duration] * 1000);
    await updateOverlay(ctx.db, ctx, row, {
      status: "snoozed",
      snoozed_until: until,
      reason: input.reason,
      decided_by: actorOf(ctx.principal),
      decided_at: ctx.now,
    });
    await emitDriftEvent(ctx.db, ctx, row, "snoozed", item.instance_id, {
      duration: input.duration,
      snoozed_until: until.toISOString(),
      reason: input.reason,
    });
    return reread(ctx, input.id);
  },
});

export const driftResolve = defineOperation({
  name: "drift.resolve",
  title: "Resolve a drift item",
  description:
    "Resolve (close) a drift item by hand, with a reason: the difference is intended or accepted. It leaves the active queue for this episode; if the drift clears and later comes back as a new episode it is open again. Refused (409) when already resolved or cleared. Recorded as fleet.drift_resolved.",
  examples: [
    {
      phrase: "resolve this drift item, the extra module is intentional",
      input: { id: "<drift item id>", reason: "extra module is intentional" },
    },
    {
      phrase: "resolve the drift on that instance, the difference is accepted",
      input: { id: "<drift item id>", reason: "accepted difference" },
    },
  ],
  input: z.strictObject({ id: ItemId, reason: Reason }),
  output: DriftItemSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "drift.triage",
  idempotent: true,
  http: { method: "POST", path: "/fleet/drift/:id/resolve", status: 200 },
  async execute(ctx, input) {
    const { row, item } = await lockedItem(ctx, input.id);
    assertActive(item, "resolve");
    await updateOverlay(ctx.db, ctx, row, {
      status: "resolved",
      snoozed_until: null,
      reason: input.reason,
      decided_by: actorOf(ctx.principal),
      decided_at: ctx.now,
    });
    await emitDriftEvent(ctx.db, ctx, row, "resolved", item.instance_id, {
      reason: input.reason,
      previous_status: item.status,
    });
    return reread(ctx, input.id);
  },
});

export const driftAssign = defineOperation({
  name: "drift.assign",
  title: "Assign a drift item",
  description:
    "Assign a drift item to a person of this account: user_id, or the caller when left out (a service token without a user must give user_id). The assignment holds for the item's current episode. Refused (409) for an item already resolved or cleared; a user outside the account is not_found. Recorded as fleet.drift_assigned.",
  examples: [
    { phrase: "assign this drift item to me", input: { id: "<drift item id>" } },
    {
      phrase: "give the config drift to that operator",
      input: { id: "<drift item id>", user_id: "<user id>" },
    },
  ],
  input: z.strictObject({
    id: ItemId,
    user_id: z.uuid().optional().describe("Who takes it; the caller when left out."),
  }),
  output: DriftItemSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "drift.triage",
  idempotent: true,
  http: { method: "POST", path: "/fleet/drift/:id/assign", status: 200 },
  async execute(ctx, input) {
    const userId = input.user_id ?? ctx.principal.userId;
    if (!userId) {
      throw invalidInput("user_id: this token acts for no user; say whom to assign", [
        { path: "user_id", message: "required for a token without a user" },
      ]);
    }
    const [user] = await ctx.db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(and(eq(users.account_id, ctx.principal.accountId), eq(users.id, userId)));
    if (!user) throw notFound("user", userId);
    const { row, item } = await lockedItem(ctx, input.id);
    assertActive(item, "assign");
    await updateOverlay(ctx.db, ctx, row, {
      assignee_user_id: user.id,
      assigned_by: actorOf(ctx.principal),
      assigned_at: ctx.now,
    });
    await emitDriftEvent(ctx.db, ctx, row, "assigned", item.instance_id, {
      assignee_user_id: user.id,
      previous_assignee_user_id: item.assignee?.user_id ?? null,
    });
    return reread(ctx, input.id);
  },
});

export const driftOperations = [driftList, driftSnooze, driftResolve, driftAssign, remediateOperation];
