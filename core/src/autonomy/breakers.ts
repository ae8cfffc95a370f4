// Category circuit breakers (spec/autonomy.md §4.2): the rule that opens one (pure), which
// categories are open, and closing one — by an operator (audited) or by an approved execution
// that was validated effective. Opening happens in the tick's step 7 (graphs/).
import { category_breakers, type DbOrTx } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { type EventOrigin, emitEvent } from "../events/emit.ts";

export const BREAKER_WINDOW_SECONDS = 3600;
export const BREAKER_MIN_SCORED = 5;
export const BREAKER_BAD_RATIO = 0.5;

/** Opens at ≥ 5 scored remediations in the window with ≥ 50 % ineffective or failed. */
export const breakerTrips = (w: { scored: number; bad: number }): boolean =>
  w.scored >= BREAKER_MIN_SCORED && w.bad / w.scored >= BREAKER_BAD_RATIO;

export async function breakerOpen(db: DbOrTx, accountId: string, category: string): Promise<boolean> {
  const [row] = await db
    .select({ state: category_breakers.state })
    .from(category_breakers)
    .where(and(eq(category_breakers.account_id, accountId), eq(category_breakers.action_category, category)));
  return row?.state === "open";
}

/** Closes an open breaker with its event; false when it was not open. */
export async function closeBreaker(
  tx: DbOrTx,
  origin: EventOrigin,
  category: string,
  by: string,
  reason: string,
): Promise<boolean> {
  const [row] = await tx
    .update(category_breakers)
    .set({ state: "closed", closed_at: origin.now, closed_by: by, close_reason: reason, updated_at: origin.now })
    .where(
      and(
        eq(category_breakers.account_id, origin.principal.accountId),
        eq(category_breakers.action_category, category),
        eq(category_breakers.state, "open"),
      ),
    )
    .returning();
  if (!row) return false;
  await emitEvent(tx, origin, {
    kind: "autonomy.breaker_closed",
    severity: "medium",
    payload: { action_category: category, closed_by: by, reason },
  });
  return true;
}
