// Appliers for instance categories (spec/autonomy.md §3.9): instance.recover asks the instance's
// agent for a reboot (or the provider for a power-cycle, or a start when stopped) through the
// catalog; instance.mark_dead moves a long-silent running instance to error with its critical
// event. Both re-read the instance first and refuse what no longer applies.
import { AppError, emitEvent, invoke, transitionInstance } from "@nodepilot/core";
import { node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { type Applier, type ApplierContext, type ApplyOutcome, refused } from "./applier.ts";
import { lockTarget } from "./target.ts";

async function loadInstance(ctx: ApplierContext, id: string) {
  const [row] = await ctx.services.database.db
    .select()
    .from(node_instances)
    .where(and(eq(node_instances.account_id, ctx.principal.accountId), eq(node_instances.id, id)));
  return row;
}

const taskOf = (out: unknown): string[] => {
  const id = (out as { task?: { id?: unknown } | null }).task?.id;
  return typeof id === "string" ? [id] : [];
};

/** A refusal from the catalog (held, invalid transition) becomes the applier's refusal, not a failure. */
async function viaCatalog(run: () => Promise<unknown>, onOk: (out: unknown) => ApplyOutcome): Promise<ApplyOutcome> {
  try {
    return onOk(await run());
  } catch (err) {
    if (err instanceof AppError && (err.code === "conflict" || err.code === "not_found")) {
      const reason = err.reason === "held" ? "ops_hold" : err.code === "not_found" ? "target_not_found" : err.reason;
      return refused(reason ?? err.code, { error: err.message.slice(0, 500) });
    }
    throw err;
  }
}

export const instanceRecover: Applier = {
  name: "instance_recover",
  categories: ["instance.recover"],
  operations: ["instance.reboot", "instance.start"],
  async apply(ctx, input) {
    const instance = await loadInstance(ctx, input.action.target.id);
    if (!instance || instance.status === "terminated") return refused("target_not_found");
    if (instance.hold) return refused("ops_hold", { hold: instance.hold });
    const meta = {
      source: "applier:instance_recover" as const,
      correlationId: ctx.correlationId,
      idempotencyKey: input.key,
    };
    if (instance.status === "stopped" || instance.status === "error") {
      const op = ctx.catalog.get("instance.start")!;
      return viaCatalog(
        () => invoke(ctx.services, op, ctx.principal, { id: instance.id, idempotency_key: input.key }, meta),
        (out) => ({ status: "applied", task_ids: taskOf(out), result: { operation: "start" }, scored: true }),
      );
    }
    if (instance.status !== "running" && instance.status !== "starting") {
      return refused("convergence_deferred", { status: instance.status });
    }
    const hard = input.action.params.hard === true;
    const op = ctx.catalog.get("instance.reboot")!;
    return viaCatalog(
      () =>
        invoke(
          ctx.services,
          op,
          ctx.principal,
          {
            id: instance.id,
            hard,
            reason: `Fleet Autonomy: recover silent instance (${input.approved ? "approved" : "autonomous"})`,
            idempotency_key: input.key,
          },
          meta,
        ),
      (out) => ({
        status: "applied",
        task_ids: taskOf(out),
        result: { operation: hard ? "power_cycle" : "reboot" },
        scored: true,
      }),
    );
  },
};

export const instanceMarkDead: Applier = {
  name: "instance_mark_dead",
  categories: ["instance.mark_dead"],
  operations: [],
  async apply(ctx, input) {
    return ctx.services.database.db.transaction(async (tx) => {
      const instance = await lockTarget(tx, ctx, input.action.target.id);
      if (!instance) return refused("target_not_found");
      if (instance.status !== "running") return refused("not_running", { status: instance.status });
      const origin = {
        principal: ctx.principal,
        source: "applier:instance_mark_dead" as const,
        correlationId: ctx.correlationId,
        now: ctx.now,
      };
      const silentSeconds = instance.last_heartbeat_at
        ? Math.round((ctx.now.getTime() - instance.last_heartbeat_at.getTime()) / 1000)
        : null;
      await transitionInstance(tx, origin, instance, "mark_errored", { reason: "presumed dead: no heartbeat" });
      await emitEvent(tx, origin, {
        kind: "autonomy.instance_presumed_dead",
        severity: "critical",
        subject_type: "node_instance",
        subject_id: instance.id,
        node_id: instance.node_id,
        node_instance_id: instance.id,
        payload: {
          instance_id: instance.id,
          node_id: instance.node_id,
          previous_status: instance.status,
          last_heartbeat_at: instance.last_heartbeat_at?.toISOString() ?? null,
          silent_seconds: silentSeconds,
        },
      });
      return { status: "applied", task_ids: [], result: { to_status: "error" }, scored: true } as const;
    });
  },
};
