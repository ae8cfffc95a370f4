// The external-pressure throttle (spec/autonomy.md §6.3, §3.5 step 12): pure. Active incoming
// pressure signals whose scope matches the action add up to A; at or above the threshold an
// autonomous, deferrable, non-critical action waits `min(ceil(A·60), max_defer_seconds)` — unless
// the condition has already waited its cumulative limit, which sends it to approval instead.
import type { ActionCategory } from "@nodepilot/core";

export interface IncomingPressure {
  strength: number;
  /** Fraction lost per minute. */
  decay_rate: number;
  emitted_at: Date;
  expires_at: Date;
  scope: { region?: string; module_id?: string; categories?: string[] };
}

const ACTIVE_FLOOR = 0.05;
/** §6.3 rule 2: signals weaker than this do not count. */
const COUNTED_FLOOR = 0.5;

export const decayed = (p: IncomingPressure, now: Date): number => {
  if (now.getTime() >= p.expires_at.getTime()) return 0;
  const minutes = Math.max(0, (now.getTime() - p.emitted_at.getTime()) / 60_000);
  return p.strength * (1 - p.decay_rate) ** minutes;
};

export interface ThrottleInput {
  category: ActionCategory;
  severity: "low" | "medium" | "high" | "critical";
  signals: readonly IncomingPressure[];
  now: Date;
  /** The modules the action touches and its target's region, for scoped signals. */
  moduleIds: readonly string[];
  region: string | null;
  threshold: number;
  maxDeferSeconds: number;
  maxCumulativeDeferSeconds: number;
  cumulativeDeferredSeconds: number;
}

export type ThrottleResult =
  | { effect: "none"; reason: "not_deferrable" | "critical_bypass" | "below_threshold"; aggregate: number }
  | { effect: "defer"; aggregate: number; defer_seconds: number }
  | { effect: "require_approval"; aggregate: number; reason: "deferred_too_long" };

function matches(p: IncomingPressure, input: ThrottleInput): boolean {
  const s = p.scope;
  if (s.region !== undefined && s.region !== input.region) return false;
  if (s.module_id !== undefined && !input.moduleIds.includes(s.module_id)) return false;
  if (s.categories !== undefined && !s.categories.includes(input.category.name)) return false;
  return true;
}

export function throttle(input: ThrottleInput): ThrottleResult {
  const c = input.category;
  if (!c.flags.defer) return { effect: "none", reason: "not_deferrable", aggregate: 0 };
  const bypassAt = c.deferBelowSeverity === "high" ? ["high", "critical"] : ["critical"];
  if (bypassAt.includes(input.severity)) return { effect: "none", reason: "critical_bypass", aggregate: 0 };
  const aggregate = input.signals
    .filter((p) => matches(p, input))
    .map((p) => decayed(p, input.now))
    .filter((s) => s >= ACTIVE_FLOOR && s >= COUNTED_FLOOR)
    .reduce((a, b) => a + b, 0);
  const rounded = Math.round(aggregate * 1000) / 1000;
  if (aggregate < input.threshold) return { effect: "none", reason: "below_threshold", aggregate: rounded };
  const deferSeconds = Math.min(Math.ceil(aggregate * 60), input.maxDeferSeconds);
  if (input.cumulativeDeferredSeconds + deferSeconds > input.maxCumulativeDeferSeconds) {
    return { effect: "require_approval", aggregate: rounded, reason: "deferred_too_long" };
  }
  return { effect: "defer", aggregate: rounded, defer_seconds: deferSeconds };
}
