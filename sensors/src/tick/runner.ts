// The tick (spec/autonomy.md §8) for one account: take the account lock on a dedicated session,
// open a fleet_ticks row under a `tick:<16 hex>` correlation id, sense with every registered sensor
// in order (each in its own READ ONLY transaction), update the conditions and clear the absent ones
// whose sensor finished ok, persist the signals that pass dedup as fleet events, hand each surviving
// signal in decision order to the Decider, and close the tick with its counts. Steps owned by the
// gate, appliers, learning and pressure exchange (1, 2, 4, 7–10) are hooks the composition root
// fills; with no decider the tick records signals and conditions only, and its summary says so.
import { randomBytes } from "node:crypto";
import {
  type AutonomySettings,
  type EventInput,
  effectiveSensorConfig,
  type Logger,
  loadAutonomySettings,
  loadSensorConfigs,
} from "@nodepilot/core";
import type { Database, Db } from "@nodepilot/store";
import type { ProviderStatusReader } from "../provider-status.ts";
import type { SensorRegistry } from "../registry.ts";
import type { Signal } from "../signal.ts";
import { type AccountLocks, createAccountLocks } from "./account-lock.ts";
import { type ConditionPlan, orderForDecision, planConditions, type SeenCondition } from "./conditions.ts";
import { type Decider, type DecisionRecord, stampsDedupWindow, type TickContext } from "./decider.ts";
import {
  emitEngineEvents,
  emitSignalEvents,
  finishTick,
  insertTick,
  loadConditions,
  loadCursors,
  stampDecided,
  writeConditions,
  writeCursors,
} from "./persist.ts";
import { runSensor, type SensorRun } from "./run-sensor.ts";

export const newTickCorrelationId = (): string => `tick:${randomBytes(8).toString("hex")}`;

/** Steps of §8 the tick runs through hooks; each returns counters merged into the tick summary. */
export const HOOK_STEPS = [
  "expire_approvals",
  "execute_approved",
  "validate",
  "breakers",
  "rollouts",
  "learn",
  "pressure",
] as const;
export type HookStep = (typeof HOOK_STEPS)[number];
export type TickHook = (tick: Omit<TickContext, "forceApproval">) => Promise<Record<string, number> | undefined>;

export type TickStatus = "ok" | "partial" | "over_budget" | "failed" | "skipped_locked";

export interface TickRunnerDeps {
  database: Database;
  sensors: SensorRegistry;
  logger: Logger;
  providerStatus?: ProviderStatusReader | undefined;
  decider?: Decider | undefined;
  hooks?: Partial<Record<HookStep, TickHook>>;
  clock?: () => Date;
  /** §1.1 rule 4 (default 5000). */
  statementTimeoutMs?: number;
  /** Provider reads a tick may spend in sensors that read providers (§8: 20 s). */
  providerBudgetMs?: number;
}

export interface SensorSummary {
  status: SensorRun["status"];
  duration_ms: number;
  signals: number;
  rejected?: number;
  error?: string;
}

export interface TickResult {
  tickId: string;
  correlationId: string;
  status: TickStatus;
  sensors: Record<string, SensorSummary>;
  phaseMs: Record<string, number>;
  counts: Record<string, unknown>;
}

/** autonomy.sensor_failed at most once per sensor per hour (§1.1 rule 4). */
const SENSOR_FAILED_EVERY_MS = 3600_000;
/** Wall-clock slack over statement_timeout before a run is abandoned as timed out. */
const GUARD_SLACK_MS = 1000;

const increment = (m: Record<string, number>, key: string, by = 1) => {
  m[key] = (m[key] ?? 0) + by;
};

export interface TickRunner {
  run(accountId: string, opts?: { trigger?: "schedule" | "manual" }): Promise<TickResult>;
  /**
   * Steps 1–2 alone (§3.6 "a job runs at once under the account tick lock"): expire overdue
   * approvals and act on decided ones, between ticks. Refused while a tick holds the account —
   * that tick's own step 2, or the next one's, does it instead.
   */
  runApprovals(
    accountId: string,
  ): Promise<{ status: "ok" | "partial" | "skipped_locked"; counts: Record<string, number> }>;
}

export function createTickRunner(deps: TickRunnerDeps): TickRunner {
  const locks: AccountLocks = createAccountLocks(deps.database);
  const clock = deps.clock ?? (() => new Date());
  const statementTimeoutMs = deps.statementTimeoutMs ?? 5000;
  const providerBudgetMs = deps.providerBudgetMs ?? 20_000;
  const db: Db = deps.database.db;
  const sensorOrder = new Map(deps.sensors.list().map((s) => [s.name, s.order]));

  async function sense(accountId: string, now: Date, correlationId: string) {
    const [configs, cursors] = await Promise.all([loadSensorConfigs(db, accountId), loadCursors(db, accountId)]);
    const runs: SensorRun[] = [];
    for (const sensor of deps.sensors.list()) {
      const config = effectiveSensorConfig(sensor, configs.get(sensor.name));
      runs.push(
        await runSensor(db, sensor, {
          accountId,
          now,
          enabled: config.enabled,
          settings: config.settings,
          cursor: cursors.get(sensor.name)?.cursor ?? undefined,
          providerStatus: deps.providerStatus,
          statementTimeoutMs,
          guardMs: statementTimeoutMs + GUARD_SLACK_MS + (sensor.readsProviders ? providerBudgetMs : 0),
        }),
      );
    }
    // Cursors, last statuses and the rate-limited failure events commit together.
    const events: EventInput[] = [];
    const cursorRows = runs.map((run) => {
      const prior = cursors.get(run.sensor);
      let failureAt = prior?.failure_event_at ?? null;
      if (run.status === "failed" || run.status === "timeout") {
        if (!failureAt || now.getTime() - failureAt.getTime() >= SENSOR_FAILED_EVERY_MS) {
          failureAt = now;
          events.push({
            kind: "autonomy.sensor_failed",
            severity: "medium",
            payload: { sensor: run.sensor, status: run.status, error: run.error ?? null, duration_ms: run.durationMs },
          });
        }
      }
      if (run.rejected.length > 0) {
        events.push({
          kind: "autonomy.signal_rejected",
          severity: "medium",
          payload: {
            sensor: run.sensor,
            rejected_count: run.rejected.length,
            rejected: run.rejected.slice(0, 10).map((r) => ({ fingerprint: r.fingerprint ?? null, reason: r.reason })),
          },
        });
      }
      const ran = run.status === "ok" || run.status === "degraded";
      return {
        account_id: accountId,
        sensor: run.sensor,
        cursor: ran && run.nextCursor !== undefined ? run.nextCursor : (prior?.cursor ?? null),
        last_status: run.status,
        last_run_at: now,
        failure_event_at: failureAt,
      };
    });
    await db.transaction(async (tx) => {
      await writeCursors(tx, cursorRows);
      await emitEngineEvents(tx, accountId, correlationId, now, events);
    });
    return runs;
  }

  async function updateConditions(
    accountId: string,
    now: Date,
    tickId: string,
    correlationId: string,
    settings: AutonomySettings,
    runs: SensorRun[],
  ): Promise<ConditionPlan> {
    const keys = runs.flatMap((r) => r.signals.map((s) => ({ kind: s.kind, fingerprint: s.fingerprint })));
    const existing = await loadConditions(db, accountId, keys);
    const plan = planConditions({
      accountId,
      now,
      tickId,
      outcomes: runs.map((r) => ({ sensor: r.sensor, status: r.status, signals: r.signals, covers: r.covers })),
      existing,
      settings,
    });
    const engineEvents: EventInput[] = [
      ...plan.cleared.map(
        (c): EventInput => ({
          kind: "autonomy.signal_cleared",
          severity: "low",
          fingerprint: c.fingerprint,
          payload: {
            kind: c.kind,
            fingerprint: c.fingerprint,
            sensor: c.sensor,
            episode: c.episode,
            first_seen_at: c.first_seen_at.toISOString(),
            tick_count: c.tick_count,
          },
        }),
      ),
      ...plan.seen
        .filter((s) => s.triage === "standing")
        .map(
          (s): EventInput => ({
            kind: "autonomy.standing_signal",
            severity: "high",
            fingerprint: s.signal.fingerprint,
            payload: {
              kind: s.signal.kind,
              fingerprint: s.signal.fingerprint,
              sensor: s.signal.sensor,
              tick_count: s.state.tick_count,
              episode: s.state.episode,
            },
          }),
        ),
    ];
    // A signal is persisted only when it passes dedup (§2.3); states and events commit together.
    const fresh = plan.seen.filter((s) => s.triage === "fresh").map((s) => s.signal);
    await db.transaction(async (tx) => {
      await writeConditions(tx, [...plan.seen.map((s) => s.state), ...plan.cleared]);
      await emitSignalEvents(tx, accountId, correlationId, now, fresh);
      await emitEngineEvents(tx, accountId, correlationId, now, engineEvents);
    });
    return plan;
  }

  async function decide(
    tick: Omit<TickContext, "forceApproval">,
    plan: ConditionPlan,
    counts: { byDecision: Record<string, number>; errors: number; undecided: number },
  ) {
    const decider = deps.decider;
    if (!decider) return;
    const queue = orderForDecision(
      plan.seen.filter((s) => s.triage === "fresh" || s.triage === "standing"),
      sensorOrder,
    );
    for (const [i, item] of queue.entries()) {
      if (clock().getTime() >= tick.deadline.getTime()) {
        counts.undecided = queue.length - i;
        return;
      }
      const record = await decideOne(decider, tick, item);
      increment(counts.byDecision, record.decision);
      if (record.reasons.some((r) => r.code === "engine_error")) counts.errors++;
    }
  }

  async function decideOne(
    decider: Decider,
    tick: Omit<TickContext, "forceApproval">,
    item: SeenCondition,
  ): Promise<DecisionRecord> {
    let record: DecisionRecord;
    try {
      record = await decider.decide(item.signal, item.state, {
        ...tick,
        forceApproval: item.triage === "standing" ? "standing_signal" : null,
      });
    } catch (err) {
      // One signal's failure is that signal's only (§3.5); it is decided again next tick.
      deps.logger.error("autonomy decision failed", {
        account_id: tick.accountId,
        fingerprint: item.signal.fingerprint,
        error: err instanceof Error ? err.message : String(err),
      });
      record = {
        decision: "skipped",
        reasons: [{ code: "engine_error", detail: err instanceof Error ? err.message.slice(0, 500) : String(err) }],
      };
    }
    if (stampsDedupWindow(record)) await stampDecided(db, item.state, tick.now, item.signal.severity);
    return record;
  }

  async function hook(step: HookStep, tick: Omit<TickContext, "forceApproval">, totals: Record<string, number>) {
    const fn = deps.hooks?.[step];
    if (!fn) return true;
    try {
      for (const [k, v] of Object.entries((await fn(tick)) ?? {})) increment(totals, k, v);
      return true;
    } catch (err) {
      deps.logger.error("tick step failed", {
        account_id: tick.accountId,
        step,
        error: err instanceof Error ? err.message : String(err),
      });
      return false;
    }
  }

  return {
    async runApprovals(accountId) {
      const lock = await locks.tryAcquire(accountId);
      if (!lock) return { status: "skipped_locked", counts: {} };
      try {
        const now = clock();
        const settings = await loadAutonomySettings(db, accountId);
        const tick = {
          tickId: "",
          correlationId: newTickCorrelationId(),
          accountId,
          now,
          settings,
          deadline: new Date(now.getTime() + settings.tick_budget_seconds * 1000),
          db,
        };
        const counts: Record<string, number> = {};
        let ok = await hook("expire_approvals", tick, counts);
        ok = (await hook("execute_approved", tick, counts)) && ok;
        return { status: ok ? "ok" : "partial", counts };
      } finally {
        await lock.release();
      }
    },
    async run(accountId, opts = {}) {
      const trigger = opts.trigger ?? "schedule";
      const correlationId = newTickCorrelationId();
      const started = clock();
      const phaseMs: Record<string, number> = {};
      let mark = performance.now();
      const phase = (name: string) => {
        const t = performance.now();
        phaseMs[name] = Math.round(t - mark);
        mark = t;
      };
      const lock = await locks.tryAcquire(accountId);
      if (!lock) {
        // Counted, not queued (§8): the row says a tick was due and another held the account.
        const tickId = await insertTick(db, {
          accountId,
          correlationId,
          trigger,
          startedAt: started,
          status: "skipped_locked",
        });
        return { tickId, correlationId, status: "skipped_locked", sensors: {}, phaseMs: {}, counts: {} };
      }
      let tickId: string | undefined;
      const sensors: Record<string, SensorSummary> = {};
      try {
        const settings = await loadAutonomySettings(db, accountId);
        tickId = await db.transaction(async (tx) => {
          const id = await insertTick(tx, { accountId, correlationId, trigger, startedAt: started });
          await emitEngineEvents(tx, accountId, correlationId, started, [
            { kind: "autonomy.tick_started", severity: "low", payload: { tick_id: id, trigger } },
          ]);
          return id;
        });
        phase("lock");
        const tick = {
          tickId,
          correlationId,
          accountId,
          now: started,
          settings,
          deadline: new Date(started.getTime() + settings.tick_budget_seconds * 1000),
          db,
        };
        const totals: Record<string, number> = {};
        let partial = false;
        partial = !(await hook("expire_approvals", tick, totals)) || partial;
        partial = !(await hook("execute_approved", tick, totals)) || partial;
        phase("approvals");

        const runs = await sense(accountId, started, correlationId);
        for (const r of runs) {
          sensors[r.sensor] = {
            status: r.status,
            duration_ms: r.durationMs,
            signals: r.signals.length,
            ...(r.rejected.length ? { rejected: r.rejected.length } : {}),
            ...(r.error ? { error: r.error } : {}),
          };
        }
        phase("sense");

        const plan = await updateConditions(accountId, started, tickId, correlationId, settings, runs);
        phase("conditions");
        // Validation (§8 step 4) judges remediations against this sense pass; it runs once the
        // conditions carry it (seen this tick, or cleared by a sensor that finished ok).
        partial = !(await hook("validate", tick, totals)) || partial;
        phase("validate");

        const decisions = { byDecision: {} as Record<string, number>, errors: 0, undecided: 0 };
        await decide(tick, plan, decisions);
        phase("decide");
        partial = !(await hook("breakers", tick, totals)) || partial;
        const overBudget = decisions.undecided > 0 || clock().getTime() >= tick.deadline.getTime();
        if (!overBudget) {
          for (const step of ["rollouts", "learn", "pressure"] as const) {
            partial = !(await hook(step, tick, totals)) || partial;
          }
        }
        phase("after_decisions");

        const signals: Signal[] = runs.flatMap((r) => r.signals);
        const byKind: Record<string, number> = {};
        const bySeverity: Record<string, number> = {};
        for (const s of signals) {
          increment(byKind, s.kind);
          increment(bySeverity, s.severity);
        }
        const changes: Record<string, number> = { cleared: plan.cleared.length };
        const triage: Record<string, number> = {};
        for (const s of plan.seen) {
          increment(changes, s.change);
          increment(triage, s.triage);
        }
        const sensorsFailed = runs.filter((r) => r.status === "failed" || r.status === "timeout").map((r) => r.sensor);
        const degraded = runs.some((r) => r.status === "degraded");
        const status: TickStatus = overBudget
          ? "over_budget"
          : sensorsFailed.length > 0 || degraded || decisions.errors > 0 || partial
            ? "partial"
            : "ok";
        const decisionCount = Object.values(decisions.byDecision).reduce((a, b) => a + b, 0);
        const counts = {
          signal_count: signals.length,
          decision_count: decisionCount,
          by_decision: decisions.byDecision,
          by_kind: byKind,
          by_severity: bySeverity,
          validated: totals.validated ?? 0,
          remediations_applied: totals.remediations_applied ?? 0,
          approved_executed: totals.approved_executed ?? 0,
          approvals_expired: totals.approvals_expired ?? 0,
          sensors_failed: sensorsFailed,
          status,
          // Without a decider the tick senses and tracks conditions; nothing is decided or acted on.
          decider: deps.decider ? "wired" : "none",
          undecided: deps.decider ? decisions.undecided : plan.seen.filter((s) => s.triage === "fresh").length,
          conditions: changes,
          triage,
          signals_rejected: runs.reduce((n, r) => n + r.rejected.length, 0),
          signal_events_written: triage.fresh ?? 0,
          steps: totals,
        };
        await db.transaction(async (tx) => {
          await emitEngineEvents(tx, accountId, correlationId, clock(), [
            { kind: "autonomy.tick_completed", severity: "low", payload: { tick_id: tickId, ...counts } },
          ]);
          phase("complete");
          await finishTick(tx, tickId as string, {
            status,
            finished_at: clock(),
            phase_ms: phaseMs,
            sensors,
            counts,
            error: null,
          });
        });
        return { tickId, correlationId, status, sensors, phaseMs, counts };
      } catch (err) {
        // A crashed tick is marked failed; what it committed stays (§8).
        const message = err instanceof Error ? err.message.slice(0, 1000) : String(err);
        deps.logger.error("tick failed", { account_id: accountId, correlation_id: correlationId, error: message });
        if (tickId) {
          await db
            .transaction(async (tx) => {
              await emitEngineEvents(tx, accountId, correlationId, clock(), [
                {
                  kind: "autonomy.tick_completed",
                  severity: "high",
                  payload: { tick_id: tickId, status: "failed", error: message },
                },
              ]);
              await finishTick(tx, tickId as string, {
                status: "failed",
                finished_at: clock(),
                phase_ms: phaseMs,
                sensors,
                counts: { status: "failed" },
                error: message,
              });
            })
            .catch(() => {});
        }
        throw err;
      } finally {
        await lock.release();
      }
    },
  };
}
