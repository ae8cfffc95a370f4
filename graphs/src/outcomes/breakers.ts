// The tick's step 7 (spec/autonomy.md §4.2): open the breaker of every category whose last hour
// of validated remediations holds at least five scored outcomes, half of them ineffective or
// failed. One statement reads the windows; each opening is one upsert with its high event.
import { BREAKER_WINDOW_SECONDS, breakerTrips, emitEvent } from "@nodepilot/core";
import { category_breakers } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import { acting, type GateDeps } from "../gate/gate-deps.ts";
import type { GateTick } from "../gate/signal.ts";

export async function updateBreakers(deps: GateDeps, tick: GateTick): Promise<{ breakers_opened: number }> {
  const db = deps.services.database.db;
  const now = new Date(tick.now);
  const since = new Date(now.getTime() - BREAKER_WINDOW_SECONDS * 1000);
  const res = await db.execute<{ action_category: string; scored: number; bad: number; open: boolean }>(sql`
    SELECT r.action_category,
      count(*)::int AS scored,
      count(*) FILTER (WHERE r.outcome IN ('ineffective', 'failed'))::int AS bad,
      coalesce(bool_or(b.state = 'open'), false) AS open
    FROM fleet_remediations r
    LEFT JOIN category_breakers b ON b.account_id = r.account_id AND b.action_category = r.action_category
    WHERE r.account_id = ${tick.account_id}::uuid
      AND r.outcome IN ('effective', 'ineffective', 'failed')
      AND r.validated_at > ${since}
    GROUP BY r.action_category`);
  const tripped = res.rows.filter((w) => !w.open && breakerTrips(w));
  if (tripped.length === 0) return { breakers_opened: 0 };
  const act = await acting(deps, tick);
  await db.transaction(async (tx) => {
    for (const w of tripped) {
      const openedWith = { scored: w.scored, bad: w.bad, ratio: Math.round((w.bad / w.scored) * 1000) / 1000 };
      await tx
        .insert(category_breakers)
        .values({
          account_id: tick.account_id,
          action_category: w.action_category,
          state: "open",
          opened_at: now,
          opened_with: openedWith,
          updated_at: now,
        })
        .onConflictDoUpdate({
          target: [category_breakers.account_id, category_breakers.action_category],
          set: {
            state: "open",
            opened_at: now,
            opened_with: openedWith,
            closed_at: null,
            closed_by: null,
            close_reason: null,
            updated_at: now,
          },
        });
      await emitEvent(tx, act.origin, {
        kind: "autonomy.breaker_opened",
        severity: "high",
        payload: { action_category: w.action_category, window_seconds: BREAKER_WINDOW_SECONDS, ...openedWith },
      });
    }
  });
  return { breakers_opened: tripped.length };
}
