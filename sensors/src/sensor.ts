// The sensor contract (spec/autonomy.md §1.1): a sensor reads the store with exactly one SQL
// statement per tick inside a READ ONLY transaction and turns the rows into signals with a pure
// function, so its thresholds and severity rules are table-tested without a database.
import type { Tx } from "@nodepilot/store";
import type { SQL } from "drizzle-orm";
import type { z } from "zod";
import type { ProviderStatusReader } from "./provider-status.ts";
import type { Signal } from "./signal.ts";

export interface SenseContext {
  accountId: string;
  /** Tick start, frozen for the whole tick. */
  now: Date;
  /** A READ ONLY transaction: a sensor that tries to write fails. */
  db: Tx;
  /** The cursor this sensor returned last tick (sensors that page through a large set). */
  cursor: string | undefined;
  /**
   * Reads provider truth for instances (§1.1: sensor #2 only), batched per credential. Absent in a
   * process that drives no providers; the sensor that needs it then reports `degraded`.
   */
  providerStatus?: ProviderStatusReader | undefined;
}

export interface SenseResult {
  /** Raw signals; the tick runner validates them (validateSignals) before anything else sees them. */
  signals: unknown[];
  nextCursor?: string | undefined;
  /** Partial data (e.g. > 50 % of provider reads failed): conditions must not be cleared. */
  degraded?: boolean;
  /**
   * For a sensor that sees only part of its set per tick (a paging cursor): the conditions this run
   * can vouch for. Absent conditions outside it are neither seen nor cleared. Undefined = all.
   */
  covers?: ((fingerprint: string) => boolean) | undefined;
}

export interface Sensor<S extends z.ZodType = z.ZodType> {
  /** Stable name (`instance_silent`), also the `_sensor` of its payloads. */
  name: string;
  /** Run order 1–18 (§1.1 rule 5). */
  order: number;
  /** The only kinds this sensor may emit. */
  kinds: readonly string[];
  /** Per-account settings with their defaults; parse({}) yields the defaults. */
  settings: S;
  /** Reads provider status (only #2): the tick allows it the provider budget on top of the statement timeout. */
  readsProviders?: boolean;
  sense(ctx: SenseContext, settings: z.output<S>): Promise<SenseResult>;
}

export interface SqlSensorDefinition<S extends z.ZodType, Row> {
  name: string;
  order: number;
  kinds: readonly string[];
  settings: S;
  /** The one statement (CTEs, joins, window functions; never per-row queries). */
  query(ctx: Omit<SenseContext, "db">, settings: z.output<S>): SQL;
  /** Pure: rows → signals. */
  build(rows: Row[], settings: z.output<S>, now: Date): Signal[];
}

/** A sensor that is exactly one statement plus a pure builder, the shape of all but provider-reading sensors. */
export function sqlSensor<S extends z.ZodType, Row>(
  def: SqlSensorDefinition<S, Row>,
): Sensor<S> & {
  build: SqlSensorDefinition<S, Row>["build"];
  query: SqlSensorDefinition<S, Row>["query"];
} {
  return {
    name: def.name,
    order: def.order,
    kinds: def.kinds,
    settings: def.settings,
    query: def.query,
    build: def.build,
    async sense(ctx, settings) {
      const res = await ctx.db.execute(def.query(ctx, settings));
      return { signals: def.build(res.rows as Row[], settings, ctx.now) };
    },
  };
}
