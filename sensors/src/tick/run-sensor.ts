// One sensor's run inside the tick (spec/autonomy.md §1.1 rules 2–5): its own READ ONLY transaction
// with statement_timeout, its signals validated (invalid ones dropped and counted, the run then
// `degraded`), and its failure classified — `timeout` when the statement was cancelled or the run
// outlived its guard, `failed` for any other error. A failed run never throws out of here.
import type { Db, Tx } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import type { ProviderStatusReader } from "../provider-status.ts";
import type { RegisteredSensor } from "../registry.ts";
import type { SenseResult } from "../sensor.ts";
import { type RejectedSignal, type Signal, validateSignals } from "../signal.ts";
import type { SensorStatus } from "./conditions.ts";

export interface SensorRun {
  sensor: string;
  status: SensorStatus;
  durationMs: number;
  signals: Signal[];
  rejected: RejectedSignal[];
  /** The cursor to store; undefined keeps the stored one. */
  nextCursor: string | undefined;
  covers?: ((fingerprint: string) => boolean) | undefined;
  error?: string;
}

export interface RunSensorOptions {
  accountId: string;
  now: Date;
  enabled: boolean;
  settings: Record<string, unknown>;
  cursor: string | undefined;
  providerStatus: ProviderStatusReader | undefined;
  /** statement_timeout of the sensor's transaction (§1.1 rule 4: 5 s). */
  statementTimeoutMs: number;
  /**
   * Wall-clock bound of the whole run. It is what stops a run where the database cannot cancel a
   * statement (embedded PGlite ignores statement_timeout) and bounds provider reads.
   */
  guardMs: number;
}

const QUERY_CANCELED = "57014";

function sqlState(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === "string") return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

function describe(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // drizzle wraps the driver's error ("Failed query: …"); the cause says what went wrong.
  while (e?.cause && typeof (e.cause as { message?: unknown }).message === "string") e = e.cause as typeof e;
  return String(e?.message ?? err).slice(0, 500);
}

class GuardTimeout extends Error {}

export async function runSensor(db: Db, sensor: RegisteredSensor, o: RunSensorOptions): Promise<SensorRun> {
  const base = { sensor: sensor.name, signals: [], rejected: [], nextCursor: undefined };
  if (!o.enabled) return { ...base, status: "disabled", durationMs: 0 };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const sensing = db.transaction(
    async (tx: Tx): Promise<SenseResult> => {
      await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(o.statementTimeoutMs))}`));
      return sensor.sense(
        { accountId: o.accountId, now: o.now, db: tx, cursor: o.cursor, providerStatus: o.providerStatus },
        o.settings,
      );
    },
    { accessMode: "read only" },
  );
  // Past the guard the run is abandoned; its transaction ends on its own and nothing waits for it.
  sensing.catch(() => {});
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GuardTimeout(`ran longer than ${o.guardMs} ms`)), o.guardMs);
  });
  let result: SenseResult;
  try {
    result = await Promise.race([sensing, guard]);
  } catch (err) {
    const timedOut = err instanceof GuardTimeout || sqlState(err) === QUERY_CANCELED;
    return { ...base, status: timedOut ? "timeout" : "failed", durationMs: elapsed(), error: describe(err) };
  } finally {
    clearTimeout(timer);
  }
  const { accepted, rejected } = validateSignals(sensor.name, sensor.kinds, result.signals);
  return {
    sensor: sensor.name,
    status: rejected.length > 0 || result.degraded ? "degraded" : "ok",
    durationMs: elapsed(),
    signals: accepted,
    rejected,
    nextCursor: result.nextCursor,
    covers: result.covers,
  };
}
