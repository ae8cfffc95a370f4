// What the gate is handed for one signal: the signal itself (spec/autonomy.md §2.1), the state of
// its condition and the tick it belongs to. Plain JSON, because it is the graph's checkpointed
// input; the server adapts the tick runner's Decider port to it.
import { z } from "zod";

export const GateSignal = z.object({
  kind: z.string(),
  severity: z.enum(["low", "medium", "high", "critical"]),
  sensor: z.string(),
  fingerprint: z.string(),
  payload: z.record(z.string(), z.unknown()),
  refs: z.record(z.string(), z.string().optional()),
});
export type GateSignal = z.infer<typeof GateSignal>;

/** The condition fields the decision reads (fleet_signal_states, §2.2). */
export const GateCondition = z.object({
  episode: z.number().int(),
  consecutive_failures: z.number().int(),
  cumulative_deferred_seconds: z.number().int(),
});
export type GateCondition = z.infer<typeof GateCondition>;

/** The per-account tunables the gate applies (autonomy_settings). */
export const GateSettings = z.object({
  autonomy_mode: z.enum(["active", "paused"]),
  max_disruption_pct: z.number(),
  stuck_streak_threshold: z.number().int(),
  presumed_dead_seconds: z.number().int(),
  rejection_cooldown_seconds: z.number().int(),
  fleet_rejection_cooldown_seconds: z.number().int(),
  learning_similarity_threshold: z.number(),
  evolution_threshold: z.number().int(),
  settle_window_seconds: z.number().int(),
  notify_throttle_seconds: z.number().int(),
  throttle_strength_threshold: z.number(),
  max_defer_seconds: z.number().int(),
  max_cumulative_defer_seconds: z.number().int(),
});
export type GateSettings = z.infer<typeof GateSettings>;

export const GateTick = z.object({
  tick_id: z.string().nullable(),
  correlation_id: z.string(),
  account_id: z.uuid(),
  /** Tick start, frozen (ISO-8601). */
  now: z.iso.datetime({ offset: true }),
  force_approval: z.enum(["standing_signal"]).nullable(),
  settings: GateSettings,
});
export type GateTick = z.infer<typeof GateTick>;
