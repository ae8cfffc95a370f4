// Advisory categories (spec/autonomy.md §3.9 flag A): observation only records; fleet.investigate
// and module.investigate open an investigation item — an `autonomy.investigation_opened` event an
// operator (or the concierge) follows up — at most once per condition per hour. Never scored.
import { emitEvent } from "@nodepilot/core";
import { fleet_events } from "@nodepilot/store";
import { and, eq, gt, sql } from "drizzle-orm";
import type { Applier } from "./applier.ts";

export const observation: Applier = {
  name: "observation",
  categories: ["observation"],
  operations: [],
  async apply() {
    return { status: "applied", task_ids: [], result: { recorded: true }, scored: false };
  },
};

export const investigate: Applier = {
  name: "investigate",
  categories: ["fleet.investigate", "module.investigate"],
  operations: [],
  async apply(ctx, input) {
    const fingerprint = input.fingerprint;
    return ctx.services.database.db.transaction(async (tx) => {
      const since = new Date(ctx.now.getTime() - 3600_000);
      const [recent] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(fleet_events)
        .where(
          and(
            eq(fleet_events.account_id, ctx.principal.accountId),
            eq(fleet_events.kind, "autonomy.investigation_opened"),
            fingerprint ? eq(fleet_events.fingerprint, fingerprint) : sql`false`,
            gt(fleet_events.emitted_at, since),
          ),
        );
      if ((recent?.n ?? 0) > 0) {
        return { status: "applied", task_ids: [], result: { investigation: "already_open" }, scored: false } as const;
      }
      await emitEvent(
        tx,
        { principal: ctx.principal, source: "applier:investigate", correlationId: ctx.correlationId, now: ctx.now },
        {
          kind: "autonomy.investigation_opened",
          severity: "medium",
          fingerprint,
          payload: {
            action_category: input.action.action_category,
            signal_kind: input.signalKind,
            target: input.action.target,
            params: input.action.params,
          },
        },
      );
      return { status: "applied", task_ids: [], result: { investigation: "opened" }, scored: false } as const;
    });
  },
};
