// drift.remediate: run the suggested remediation of up to 50 drift items in one transaction (spec/ui.md
// §5 "bulk remediate (one approval with the combined blast radius)"). Each item acts under its
// kind's action category (module.sync, config.apply, instance.reconcile_state); called by an AI
// actor — MCP, the concierge, or a page button through POST /actions — the gate decides the whole
// batch by the strictest of those categories, and a gated batch is one approval request whose plan
// names every instance the batch touches.
import { approval_requests, type DbOrTx } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Principal } from "../auth/principal.ts";
import { findCategory } from "../autonomy/categories.ts";
import { strictness } from "../autonomy/policy.ts";
import type { OpContext } from "../catalog/context.ts";
import { type CallScope, defineOperation } from "../catalog/operation.ts";
import { applyPlan } from "../drift/apply.ts";
import { describeDrift } from "../drift/describe.ts";
import { type DriftItem, DriftItemSchema } from "../drift/items.ts";
import { type DriftKind, driftCategory } from "../drift/kinds.ts";
import { actorOf, emitDriftEvent, lockOverlay, updateOverlay } from "../drift/overlay.ts";
import { findRow, itemsOf, keyOf } from "../drift/queue.ts";
import { type DriftRow, readNames } from "../drift/read.ts";
import { noRemediationReason, type RemediationPlan, remediationPlan } from "../drift/remediation.ts";
import { AppError, conflict } from "../errors.ts";
import { IdempotencyKey } from "../schemas/common.ts";

const Input = z.strictObject({
  ids: z
    .array(z.string().min(1).max(400))
    .min(1)
    .max(50)
    .describe("Drift item ids, as drift.list returns them; each must have a suggested remediation."),
  idempotency_key: IdempotencyKey,
});

interface Checked {
  id: string;
  field: string;
  row: DriftRow;
  item: DriftItem;
  plan: RemediationPlan;
}

const APPROVAL_CORRELATION = /^approval:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * Every id parsed, found, remediable and its plan made, before anything runs; errors name ids.<i>.
 * `awaitingOk`: an item whose remediation waits for approval passes (the gate's re-ask of the same
 * call finds its request); execution does not see the call it runs as waiting (it is claimed).
 */
async function check(
  db: DbOrTx,
  accountId: string,
  now: Date,
  ids: readonly string[],
  awaitingOk: boolean,
): Promise<Checked[]> {
  const seen = new Map<string, number>();
  const rows: { id: string; field: string; row: DriftRow }[] = [];
  for (const [i, id] of ids.entries()) {
    const field = `ids.${i}`;
    if (seen.has(id)) {
      throw new AppError("invalid_input", `${field}: ${id} is listed twice (first as ids.${seen.get(id)})`, {
        errors: [{ path: field, message: "listed twice" }],
      });
    }
    seen.set(id, i);
    const key = keyOf(id, field);
    const row = await findRow(db, accountId, key, id).catch((err: unknown) => {
      throw err instanceof AppError && err.code === "not_found"
        ? new AppError("not_found", `${field}: drift item ${id} was not found`, {
            errors: [{ path: field, message: "no such drift item" }],
          })
        : err;
    });
    rows.push({ id, field, row });
  }
  const items = await itemsOf(
    db,
    accountId,
    now,
    rows.map((r) => r.row),
  );
  return rows.map(({ id, field, row }, i) => {
    const item = items[i]!;
    const waiting = item.remediation?.state === "awaiting_approval";
    if (item.status !== "open" && item.status !== "snoozed" && !(awaitingOk && waiting)) {
      throw conflict(
        `${field}: drift item ${id} is ${item.status}${waiting ? " (its remediation awaits approval)" : ""}`,
        {
          reason: CONFLICT_REASON[item.status],
          current_state: item.status,
          errors: [{ path: field, message: `the item is ${item.status}` }],
        },
      );
    }
    const plan = remediationPlan(row.kind, row.payload, describeDrift(row.kind, row.fingerprint, row.payload));
    if (!plan) {
      throw new AppError("invalid_input", `${field}: ${noRemediationReason(row.kind)}`, {
        errors: [{ path: field, message: "the item has no remediation" }],
      });
    }
    return { id, field, row, item, plan };
  });
}

const CONFLICT_REASON: Record<DriftItem["status"], string> = {
  open: "not_remediable",
  snoozed: "not_remediable",
  remediating: "already_remediating",
  resolved: "already_resolved",
  auto_resolved: "already_cleared",
};

const planInstances = (p: RemediationPlan) => (p.type === "tasks" ? p.instance_ids : [p.instance_id]);

/** The items' categories, strictest seeded default first (ties keep the first item's order). */
function categoriesOf(kinds: readonly DriftKind[]): string[] {
  const unique = [...new Set(kinds.map(driftCategory))];
  const level = (c: string) => strictness(findCategory(c)?.defaultLevel ?? "require_approval");
  return unique.sort((a, b) => level(b) - level(a));
}

async function callScope(
  db: DbOrTx,
  principal: Principal,
  input: z.infer<typeof Input>,
  now: Date,
): Promise<CallScope> {
  const checked = await check(db, principal.accountId, now, input.ids, true);
  const ids = [...new Set(checked.flatMap((c) => planInstances(c.plan)))];
  const names = await readNames(db, principal.accountId, { instances: ids, modules: [], repositories: [], users: [] });
  return {
    categories: categoriesOf(checked.map((c) => c.row.kind)),
    blastRadius: {
      instance_count: ids.length,
      instances: ids.map((id) => ({
        id,
        name: names.instances.get(id)?.name ?? null,
        node_id: names.instances.get(id)?.node_id ?? null,
      })),
      items: checked.map((c) => ({
        id: c.id,
        kind: c.row.kind,
        action_category: driftCategory(c.row.kind),
        subject: c.item.subject,
        instance_ids: planInstances(c.plan),
      })),
    },
  };
}

/**
 * The approval this run executes, when it is one: approved-calls runs an approved call with the
 * correlation `approval:<id>` after claiming it, so the request is approved and executing. A
 * correlation id a caller made up names no such request and is ignored.
 */
async function runningApproval(ctx: OpContext): Promise<string | null> {
  const id = APPROVAL_CORRELATION.exec(ctx.correlationId ?? "")?.[1];
  if (!id) return null;
  const [r] = await ctx.db
    .select({ id: approval_requests.id })
    .from(approval_requests)
    .where(
      and(
        eq(approval_requests.account_id, ctx.principal.accountId),
        eq(approval_requests.id, id.toLowerCase()),
        eq(approval_requests.status, "approved"),
        eq(approval_requests.execution_status, "executing"),
      ),
    );
  return r?.id ?? null;
}

async function execute(ctx: OpContext, input: z.infer<typeof Input>) {
  const accountId = ctx.principal.accountId;
  const approvalId = await runningApproval(ctx);
  // Lock every episode's overlay first, in id order, then check under the locks.
  const first = await check(ctx.db, accountId, ctx.now, input.ids, false);
  for (const c of [...first].sort((a, b) => a.id.localeCompare(b.id))) await lockOverlay(ctx.db, accountId, c.row);
  const checked = await check(ctx.db, accountId, ctx.now, input.ids, false);
  for (const c of checked) {
    // A tick that began a new episode meanwhile: the remediation is recorded on the new one.
    if (c.row.episode !== first.find((f) => f.id === c.id)?.row.episode) await lockOverlay(ctx.db, accountId, c.row);
  }
  const allTasks: string[] = [];
  for (const c of checked) {
    const attempt = (c.row.overlay?.remediation_count ?? 0) + 1;
    const taskIds = await applyPlan(ctx, c.row, c.plan, attempt, c.field, approvalId);
    allTasks.push(...taskIds);
    await updateOverlay(ctx.db, ctx, c.row, {
      status: "remediating",
      snoozed_until: null,
      decided_by: actorOf(ctx.principal),
      decided_at: ctx.now,
      approval_request_id: approvalId,
      task_ids: taskIds,
      remediated_at: ctx.now,
      remediation_count: attempt,
    });
    await emitDriftEvent(ctx.db, ctx, c.row, "remediation_started", c.item.instance_id, {
      action_category: driftCategory(c.row.kind),
      remediation: c.plan.type === "tasks" ? c.plan.command : `instance.${c.plan.event}`,
      task_ids: taskIds,
      approval_request_id: approvalId,
      attempt,
      batch_size: checked.length,
    });
  }
  const rows: DriftRow[] = [];
  for (const c of checked) rows.push(await findRow(ctx.db, accountId, keyOf(c.id, c.field), c.id));
  return {
    items: await itemsOf(ctx.db, accountId, ctx.now, rows),
    task_ids: [...new Set(allTasks)],
    approval_request_id: approvalId,
  };
}

export const remediateOperation = defineOperation({
  name: "drift.remediate",
  title: "Remediate drift items",
  description:
    "Remediate (fix) one or more drift items (up to 50) at once by running their suggested remediation: module drift queues a sync_modules task on the instance, config drift an apply_config task on each running instance, instance state drift records the state the provider reports. Items become remediating with their task ids until the drift clears (auto_resolved) or a task fails (open again). For AI callers the batch is one decision under the strictest of the items' action categories, so a gated batch is one approval with the combined blast radius. Items without a remediation (storage, GitOps, package drift) are refused naming ids.<i>.",
  examples: [
    {
      phrase: "remediate those two drift items",
      input: { ids: ["<drift item id>", "<drift item id>"] },
    },
    { phrase: "run the suggested remediation of this drift item", input: { ids: ["<drift item id>"] } },
  ],
  input: Input,
  output: z.strictObject({
    items: z.array(DriftItemSchema),
    task_ids: z.array(z.string()),
    approval_request_id: z.string().nullable(),
  }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "drift.remediate",
  idempotent: false,
  http: { method: "POST", path: "/fleet/drift/remediate", status: 200 },
  callScope,
  execute,
});
