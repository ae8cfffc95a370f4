// Per-account autonomy tunables (spec/autonomy.md §0): read them, change some of them. A write
// outside a tunable's bounds is invalid_input naming the field; the tick, the gate and the
// appliers read the effective values with loadAutonomySettings at the start of their next run.
import { AUTONOMY_MODES, autonomy_settings, type DbOrTx } from "@nodepilot/store";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { invalidInput } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { NullableTimestamp } from "../schemas/common.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const real = (min: number, max: number) => z.number().min(min).max(max);
const WEEK = 604_800;

/**
 * Bounds from §0. Where §0 names a default but no bounds (episode reset, notify throttle, the two
 * defer limits) the bound is a week: zero turns the behaviour off, and a longer window would
 * outlive the 7-day reach of everything else the tick remembers.
 */
const TUNABLES = {
  tick_interval_seconds: int(30, 600),
  /** Also at most tick_interval_seconds − 5, checked across fields. */
  tick_budget_seconds: int(10, 595),
  autonomy_mode: z.enum(AUTONOMY_MODES),
  dedup_window_seconds: int(60, 3600),
  max_disruption_pct: int(0, 100),
  stuck_streak_threshold: int(1, 20),
  standing_signal_ticks: int(10, 10_000),
  episode_reset_seconds: int(0, WEEK),
  notify_throttle_seconds: int(0, WEEK),
  settle_window_seconds: int(30, 3600),
  rejection_cooldown_seconds: int(0, WEEK),
  fleet_rejection_cooldown_seconds: int(0, WEEK),
  presumed_dead_seconds: int(300, 86_400),
  learning_similarity_threshold: real(0.5, 0.99),
  evolution_threshold: int(2, 50),
  throttle_strength_threshold: real(0.1, 25),
  max_defer_seconds: int(0, 3600),
  max_cumulative_defer_seconds: int(0, WEEK),
} as const;

type TunableName = keyof typeof TUNABLES;

export const AUTONOMY_DEFAULTS = {
  tick_interval_seconds: 60,
  tick_budget_seconds: 45,
  autonomy_mode: "active",
  dedup_window_seconds: 600,
  max_disruption_pct: 20,
  stuck_streak_threshold: 3,
  standing_signal_ticks: 60,
  episode_reset_seconds: 1800,
  notify_throttle_seconds: 3600,
  settle_window_seconds: 90,
  rejection_cooldown_seconds: 3600,
  fleet_rejection_cooldown_seconds: 14_400,
  presumed_dead_seconds: 1800,
  learning_similarity_threshold: 0.85,
  evolution_threshold: 3,
  throttle_strength_threshold: 1.0,
  max_defer_seconds: 600,
  max_cumulative_defer_seconds: 3600,
} as const satisfies { [K in TunableName]: z.output<(typeof TUNABLES)[K]> };

export const AutonomySettingsSchema = z.strictObject(TUNABLES);
export type AutonomySettings = z.output<typeof AutonomySettingsSchema>;

const TUNABLE_NAMES = Object.keys(TUNABLES) as TunableName[];

const SettingsOutput = z.strictObject({
  ...TUNABLES,
  updated_by: z.string().nullable(),
  updated_at: NullableTimestamp,
  version: z.number().int(),
});

type SettingsRow = typeof autonomy_settings.$inferSelect;

function effectiveOf(row: SettingsRow | undefined): AutonomySettings {
  if (!row) return { ...AUTONOMY_DEFAULTS };
  return Object.fromEntries(TUNABLE_NAMES.map((k) => [k, row[k]])) as AutonomySettings;
}

/** The effective tunables of an account: its row, or every default when it never changed one. */
export async function loadAutonomySettings(db: DbOrTx, accountId: string): Promise<AutonomySettings> {
  const [row] = await db.select().from(autonomy_settings).where(eq(autonomy_settings.account_id, accountId));
  return effectiveOf(row);
}

function settingsOut(row: SettingsRow | undefined): z.infer<typeof SettingsOutput> {
  return {
    ...effectiveOf(row),
    updated_by: row?.updated_by ?? null,
    updated_at: row ? row.updated_at.toISOString() : null,
    version: row?.version ?? 0,
  };
}

export const autonomySettingsGet = defineOperation({
  name: "autonomy_settings.get",
  title: "Show the autonomy settings",
  description:
    "The account's autonomy tunables as the next tick will use them: tick interval and budget, autonomy_mode (active, or paused: every would-be proceed needs approval), dedup window, disruption and consent limits, stuck/standing-signal thresholds, cooldowns, presumed-dead age, learning and throttle thresholds, defer limits. version 0 means every value is the default.",
  examples: [
    { phrase: "what is the tick interval", input: {} },
    { phrase: "is autonomy paused", input: {} },
  ],
  input: z.strictObject({}),
  output: SettingsOutput,
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/autonomy/settings" },
  async execute(ctx) {
    const [row] = await ctx.db
      .select()
      .from(autonomy_settings)
      .where(eq(autonomy_settings.account_id, ctx.principal.accountId));
    return settingsOut(row);
  },
});

const actorOf = (ctx: OpContext) => ctx.principal.userId ?? `${ctx.principal.actorType}:${ctx.principal.actorId}`;

export const autonomySettingsUpdate = defineOperation({
  name: "autonomy_settings.update",
  title: "Change autonomy settings",
  description:
    "Change some of the account's autonomy tunables; fields not given keep their value. Each field has bounds (tick_interval_seconds 30–600, tick_budget_seconds 10 to interval − 5, dedup_window_seconds 60–3600, max_disruption_pct 0–100, stuck_streak_threshold 1–20, standing_signal_ticks 10–10000, settle_window_seconds 30–3600, cooldowns 0–604800, presumed_dead_seconds 300–86400, learning_similarity_threshold 0.50–0.99, evolution_threshold 2–50, throttle_strength_threshold 0.1–25); a value outside them is refused naming the field. Set autonomy_mode to paused to send every would-be autonomous action to approval. Takes effect at the next tick.",
  examples: [
    { phrase: "pause autonomy", input: { autonomy_mode: "paused" } },
    {
      phrase: "tick every two minutes with a 90 second budget",
      input: { tick_interval_seconds: 120, tick_budget_seconds: 90 },
    },
  ],
  input: z.strictObject(
    Object.fromEntries(TUNABLE_NAMES.map((k) => [k, TUNABLES[k].optional()])) as {
      [K in TunableName]: z.ZodOptional<(typeof TUNABLES)[K]>;
    },
  ),
  output: SettingsOutput,
  scope: "autonomy:write",
  effect: "write",
  actionCategory: "autonomy.configure",
  idempotent: true,
  http: { method: "PATCH", path: "/autonomy/settings" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const [current] = await ctx.db
      .select()
      .from(autonomy_settings)
      .where(eq(autonomy_settings.account_id, accountId))
      .for("update");
    const before = effectiveOf(current);
    const patch = Object.fromEntries(
      Object.entries(input).filter(([, v]) => v !== undefined),
    ) as Partial<AutonomySettings>;
    const next: AutonomySettings = { ...before, ...patch };
    if (next.tick_budget_seconds > next.tick_interval_seconds - 5) {
      const field = "tick_budget_seconds" in patch ? "tick_budget_seconds" : "tick_interval_seconds";
      throw invalidInput(
        `${field}: tick_budget_seconds (${next.tick_budget_seconds}) must be at most tick_interval_seconds − 5 (${next.tick_interval_seconds - 5})`,
        [{ path: field, message: "tick_budget_seconds must be at most tick_interval_seconds − 5" }],
      );
    }
    const changed = TUNABLE_NAMES.filter((k) => next[k] !== before[k]);
    if (current && changed.length === 0) return settingsOut(current);
    const values = { ...next, updated_by: actorOf(ctx), updated_at: ctx.now };
    const [row] = await ctx.db
      .insert(autonomy_settings)
      .values({ account_id: accountId, ...values })
      .onConflictDoUpdate({
        target: autonomy_settings.account_id,
        set: { ...values, version: sql`${autonomy_settings.version} + 1` },
      })
      .returning();
    await emitEvent(ctx.db, ctx, {
      kind: "autonomy.settings_updated",
      severity: next.autonomy_mode !== before.autonomy_mode ? "medium" : "low",
      payload: {
        changed: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: next[k] }])),
        version: row!.version,
      },
    });
    return settingsOut(row);
  },
});

export const autonomySettingsOperations = [autonomySettingsGet, autonomySettingsUpdate] as const;
