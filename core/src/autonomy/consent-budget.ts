// Per-module consent budgets (spec/autonomy.md §3.3): at most N autonomous actions per module in a
// rolling 24 h window that starts at its first consumption. The consume is one conditional UPDATE,
// so concurrent proceeds can never overspend: PostgreSQL re-checks the WHERE against the row a
// concurrent committer left, and a lost race simply updates nothing.
import { type DbOrTx, node_modules } from "@nodepilot/store";
import { and, eq, gt, inArray, sql } from "drizzle-orm";

export const CONSENT_WINDOW_SECONDS = 86_400;

export interface ConsentBudget {
  limit: number | null;
  used: number;
  remaining: number | null;
  window_start_at: string | null;
  window_ends_at: string | null;
}

type BudgetColumns = Pick<
  typeof node_modules.$inferSelect,
  "consent_budget_per_day" | "consent_budget_used_count" | "consent_budget_window_start_at"
>;

const windowExpired = (start: Date | null, now: Date) =>
  start === null || start.getTime() + CONSENT_WINDOW_SECONDS * 1000 <= now.getTime();

/** The budget as seen at `now`: an expired or never-started window reads as empty. */
export function consentBudgetOf(row: BudgetColumns, now: Date): ConsentBudget {
  const limit = row.consent_budget_per_day && row.consent_budget_per_day > 0 ? row.consent_budget_per_day : null;
  const start = row.consent_budget_window_start_at;
  const expired = windowExpired(start, now);
  const used = expired ? 0 : row.consent_budget_used_count;
  return {
    limit,
    used,
    remaining: limit === null ? null : Math.max(limit - used, 0),
    window_start_at: expired || !start ? null : start.toISOString(),
    window_ends_at: expired || !start ? null : new Date(start.getTime() + CONSENT_WINDOW_SECONDS * 1000).toISOString(),
  };
}

export interface ExhaustedBudget {
  module_id: string;
  used: number;
  limit: number;
  window_start_at: string | null;
}

export type ConsumeResult =
  | { ok: true; consumed: { module_id: string; used: number; limit: number }[] }
  | { ok: false; reason: "consent_budget_exhausted"; budget: ExhaustedBudget };

/**
 * The step-11h check: the first touched module whose budget is spent, or null. Read-only; the
 * consume at proceed is what actually guards the limit.
 */
export async function findExhaustedBudget(
  db: DbOrTx,
  accountId: string,
  moduleIds: readonly string[],
  now: Date,
): Promise<ExhaustedBudget | null> {
  if (moduleIds.length === 0) return null;
  const rows = await db
    .select()
    .from(node_modules)
    .where(and(eq(node_modules.account_id, accountId), inArray(node_modules.id, [...moduleIds])));
  for (const row of rows.sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const b = consentBudgetOf(row, now);
    if (b.limit !== null && b.used >= b.limit) {
      return { module_id: row.id, used: b.used, limit: b.limit, window_start_at: b.window_start_at };
    }
  }
  return null;
}

/**
 * Take one unit of every touched module's budget, all or nothing, inside the caller's transaction
 * (a savepoint: a lost race undoes this consume only, so the caller can go on to request approval in
 * the same transaction). Modules without a limit are not counted.
 */
export async function consumeConsentBudget(
  tx: DbOrTx,
  accountId: string,
  moduleIds: readonly string[],
  now: Date,
): Promise<ConsumeResult> {
  const ids = [...new Set(moduleIds)].sort();
  if (ids.length === 0) return { ok: true, consumed: [] };
  const m = node_modules;
  const limited = await tx
    .select({ id: m.id })
    .from(m)
    .where(and(eq(m.account_id, accountId), inArray(m.id, ids), gt(m.consent_budget_per_day, 0)));
  if (limited.length === 0) return { ok: true, consumed: [] };
  const limitedIds = limited.map((r) => r.id).sort();
  const nowIso = now.toISOString();
  const expired = sql`(${m.consent_budget_window_start_at} IS NULL OR ${m.consent_budget_window_start_at} + interval '${sql.raw(String(CONSENT_WINDOW_SECONDS))} seconds' <= ${nowIso}::timestamptz)`;
  try {
    return await tx.transaction(async (sp) => {
      const updated = await sp
        .update(m)
        .set({
          consent_budget_used_count: sql`CASE WHEN ${expired} THEN 1 ELSE ${m.consent_budget_used_count} + 1 END`,
          consent_budget_window_start_at: sql`CASE WHEN ${expired} THEN ${nowIso}::timestamptz ELSE ${m.consent_budget_window_start_at} END`,
        })
        .where(
          and(
            eq(m.account_id, accountId),
            inArray(m.id, limitedIds),
            gt(m.consent_budget_per_day, 0),
            sql`(${m.consent_budget_used_count} < ${m.consent_budget_per_day} OR ${expired})`,
          ),
        )
        .returning({ id: m.id, used: m.consent_budget_used_count, limit: m.consent_budget_per_day });
      if (updated.length !== limitedIds.length) {
        const got = new Set(updated.map((u) => u.id));
        throw new BudgetLost(limitedIds.find((id) => !got.has(id))!);
      }
      return {
        ok: true as const,
        consumed: updated.map((u) => ({ module_id: u.id, used: u.used, limit: u.limit ?? 0 })),
      };
    });
  } catch (err) {
    if (!(err instanceof BudgetLost)) throw err;
    const [row] = await tx
      .select()
      .from(m)
      .where(and(eq(m.account_id, accountId), eq(m.id, err.moduleId)));
    const b = row ? consentBudgetOf(row, now) : undefined;
    return {
      ok: false,
      reason: "consent_budget_exhausted",
      budget: {
        module_id: err.moduleId,
        used: b?.used ?? 0,
        limit: b?.limit ?? 0,
        window_start_at: b?.window_start_at ?? null,
      },
    };
  }
}

/** Thrown inside the savepoint so that it rolls back; never leaves this module. */
class BudgetLost extends Error {
  constructor(readonly moduleId: string) {
    super(`consent budget of module ${moduleId} was spent`);
  }
}
