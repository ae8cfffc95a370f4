// Condition state of the tick (spec/autonomy.md §2.2, §2.5, §3.5 steps 2, 4, 5), as pure functions
// over the states loaded once per tick: which conditions this tick saw (opened, continued, reopened
// or a new episode), which it clears, and what becomes of each signal before the gate — deferred,
// deduped, escalated as standing, or fresh (persisted as a fleet event and decided).
import type { fleet_signal_states } from "@nodepilot/store";
import { SEVERITY_WEIGHT, type Signal } from "../signal.ts";

export type ConditionState = typeof fleet_signal_states.$inferSelect;
export type SensorStatus = "ok" | "failed" | "timeout" | "disabled" | "degraded";

/** What one sensor contributed to this tick. */
export interface SensorOutcome {
  sensor: string;
  status: SensorStatus;
  /** Validated signals (validateSignals), one per fingerprint. */
  signals: Signal[];
  /** Conditions the run vouches for when it saw only part of its set (a paging sensor). */
  covers?: ((fingerprint: string) => boolean) | undefined;
}

export type ConditionChange = "opened" | "continued" | "reopened" | "new_episode";
export type Triage = "fresh" | "deduped" | "deferred" | "standing";

export interface SeenCondition {
  signal: Signal;
  /** The state after this tick. */
  state: ConditionState;
  change: ConditionChange;
  triage: Triage;
}

export interface ConditionPlan {
  seen: SeenCondition[];
  /** States after this tick of the conditions it cleared. */
  cleared: ConditionState[];
}

export interface ConditionSettings {
  episode_reset_seconds: number;
  dedup_window_seconds: number;
  standing_signal_ticks: number;
}

export const conditionKey = (kind: string, fingerprint: string) => `${kind}\u0000${fingerprint}`;

/** §2.5: decided within the window at the same or a higher severity. */
export function isDeduped(state: ConditionState, signal: Signal, now: Date, windowSeconds: number): boolean {
  if (!state.last_decided_at || !state.last_decided_severity) return false;
  const age = now.getTime() - state.last_decided_at.getTime();
  return age < windowSeconds * 1000 && SEVERITY_WEIGHT[signal.severity] <= SEVERITY_WEIGHT[state.last_decided_severity];
}

/** §3.5 step 4: deferred by the throttle, unless critical. */
export const isDeferred = (state: ConditionState, signal: Signal, now: Date): boolean =>
  state.defer_until !== null && now.getTime() < state.defer_until.getTime() && signal.severity !== "critical";

/** §3.5 step 5: seen for many ticks, never remediated, not yet escalated this episode. */
export const isStanding = (state: ConditionState, standingTicks: number): boolean =>
  state.tick_count > standingTicks && state.remediations_applied === 0 && state.standing_escalated_at === null;

function freshState(accountId: string, signal: Signal, now: Date, tickId: string, episode: number): ConditionState {
  return {
    account_id: accountId,
    kind: signal.kind,
    fingerprint: signal.fingerprint,
    sensor: signal.sensor,
    episode,
    first_seen_at: now,
    last_seen_at: now,
    cleared_at: null,
    tick_count: 1,
    last_severity: signal.severity,
    last_decided_at: null,
    last_decided_severity: null,
    dedup_count: 0,
    last_heartbeat_event_at: null,
    defer_until: null,
    cumulative_deferred_seconds: 0,
    remediations_applied: 0,
    consecutive_failures: 0,
    stuck_escalated_at: null,
    standing_escalated_at: null,
    last_notified_at: null,
    last_tick_id: tickId,
  };
}

function observe(
  prior: ConditionState | undefined,
  accountId: string,
  signal: Signal,
  now: Date,
  tickId: string,
  resetSeconds: number,
): { state: ConditionState; change: ConditionChange } {
  if (!prior) return { state: freshState(accountId, signal, now, tickId, 1), change: "opened" };
  const seen = { last_seen_at: now, last_severity: signal.severity, last_tick_id: tickId, sensor: signal.sensor };
  if (prior.cleared_at === null) {
    return { state: { ...prior, ...seen, tick_count: prior.tick_count + 1 }, change: "continued" };
  }
  // Back within episode_reset_seconds of clearing: the same episode, its counters intact.
  if (now.getTime() - prior.cleared_at.getTime() <= resetSeconds * 1000) {
    return { state: { ...prior, ...seen, cleared_at: null, tick_count: prior.tick_count + 1 }, change: "reopened" };
  }
  // Later: a new episode with fresh counters; when it was last decided and notified is history.
  const next = freshState(accountId, signal, now, tickId, prior.episode + 1);
  return {
    state: {
      ...next,
      last_decided_at: prior.last_decided_at,
      last_decided_severity: prior.last_decided_severity,
      last_heartbeat_event_at: prior.last_heartbeat_event_at,
      last_notified_at: prior.last_notified_at,
    },
    change: "new_episode",
  };
}

/**
 * The tick's condition plan. `existing` holds every open state of the account plus the cleared
 * states of conditions seen again this tick. A condition clears only when absent from a sensor that
 * finished `ok` and, for a paging sensor, one that vouched for it.
 */
export function planConditions(input: {
  accountId: string;
  now: Date;
  tickId: string;
  outcomes: readonly SensorOutcome[];
  existing: readonly ConditionState[];
  settings: ConditionSettings;
}): ConditionPlan {
  const { accountId, now, tickId, settings } = input;
  const prior = new Map(input.existing.map((s) => [conditionKey(s.kind, s.fingerprint), s]));
  const seenKeys = new Set<string>();
  const seen: SeenCondition[] = [];
  for (const outcome of input.outcomes) {
    for (const signal of outcome.signals) {
      const key = conditionKey(signal.kind, signal.fingerprint);
      seenKeys.add(key);
      const { state, change } = observe(prior.get(key), accountId, signal, now, tickId, settings.episode_reset_seconds);
      let triage: Triage = "fresh";
      let next = state;
      if (isDeferred(state, signal, now)) triage = "deferred";
      else if (isDeduped(state, signal, now, settings.dedup_window_seconds)) {
        next = { ...state, dedup_count: state.dedup_count + 1 };
        if (isStanding(state, settings.standing_signal_ticks)) {
          triage = "standing";
          next = { ...next, standing_escalated_at: now };
        } else triage = "deduped";
      }
      seen.push({ signal, state: next, change, triage });
    }
  }
  const vouching = new Map(input.outcomes.filter((o) => o.status === "ok").map((o) => [o.sensor, o]));
  const cleared: ConditionState[] = [];
  for (const [key, state] of prior) {
    if (state.cleared_at !== null || seenKeys.has(key)) continue;
    const outcome = vouching.get(state.sensor);
    if (!outcome || (outcome.covers && !outcome.covers(state.fingerprint))) continue;
    cleared.push({ ...state, cleared_at: now, last_tick_id: tickId });
  }
  return { seen, cleared };
}

/** §3.5: severity desc, then sensor run order, then fingerprint (code-point order, locale-free). */
export function orderForDecision<T extends { signal: Signal }>(
  items: readonly T[],
  order: ReadonlyMap<string, number>,
): T[] {
  return [...items].sort((a, b) => {
    const bySeverity = SEVERITY_WEIGHT[b.signal.severity] - SEVERITY_WEIGHT[a.signal.severity];
    if (bySeverity !== 0) return bySeverity;
    const bySensor = (order.get(a.signal.sensor) ?? 99) - (order.get(b.signal.sensor) ?? 99);
    if (bySensor !== 0) return bySensor;
    return a.signal.fingerprint < b.signal.fingerprint ? -1 : a.signal.fingerprint > b.signal.fingerprint ? 1 : 0;
  });
}
