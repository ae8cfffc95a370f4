// Sensor #9 external_pressure (spec/autonomy.md §1.2, §6): other systems under load. Active
// incoming pressure signals decay per minute, s(t) = s0 · (1 − decay_rate)^(minutes since
// emitted_at), and are inactive once expired or below 0.05. Those at or above strength_threshold
// sum to A; A ≤ 1 is medium, ≤ 3 high, above critical. One aggregate condition per account.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, positiveNumber, toDate } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  strength_threshold: positiveNumber(0.5),
});
type Settings = z.output<typeof settings>;

/** §6.1: below this a signal no longer counts as active. */
const ACTIVE_FLOOR = 0.05;

export interface PressureRow {
  source: string | null;
  signal_type: string;
  key: string;
  strength: number;
  decay_rate: number;
  emitted_at: DbTime;
  expires_at: DbTime;
}

/** The strength at `now`; 0 once expired. */
export function decayedStrength(row: PressureRow, now: Date): number {
  if (now.getTime() >= toDate(row.expires_at).getTime()) return 0;
  const minutes = Math.max(0, (now.getTime() - toDate(row.emitted_at).getTime()) / 60_000);
  return row.strength * (1 - row.decay_rate) ** minutes;
}

export function pressureSeverity(aggregate: number): Severity {
  if (aggregate <= 1) return "medium";
  if (aggregate <= 3) return "high";
  return "critical";
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function pressureSignal(rows: PressureRow[], s: Settings, now: Date): Signal | null {
  const counted = rows
    .map((row) => ({ row, strength: decayedStrength(row, now) }))
    .filter((x) => x.strength >= ACTIVE_FLOOR && x.strength >= s.strength_threshold);
  if (counted.length === 0) return null;
  const aggregate = counted.reduce((sum, x) => sum + x.strength, 0);
  const strongest = counted.reduce((a, b) => (b.strength > a.strength ? b : a));
  return {
    kind: "fleet.external_pressure",
    severity: pressureSeverity(aggregate),
    sensor: "external_pressure",
    fingerprint: "external_pressure:aggregate",
    payload: {
      aggregate_strength: round3(aggregate),
      source_signal_count: counted.length,
      source_signal_types: [...new Set(counted.map((x) => x.row.signal_type))].sort(),
      strongest: {
        source: strongest.row.source,
        signal_type: strongest.row.signal_type,
        key: strongest.row.key,
        strength: round3(strongest.strength),
      },
    },
    refs: {},
  };
}

export const externalPressure = sqlSensor({
  name: "external_pressure",
  order: 9,
  kinds: ["fleet.external_pressure"],
  settings,
  query: (ctx) => sql`
    SELECT src.name AS source, p.signal_type, p.key, p.strength, p.decay_rate, p.emitted_at, p.expires_at
    FROM pressure_signals p
    LEFT JOIN pressure_sources src ON src.id = p.source_id
    WHERE p.account_id = ${ctx.accountId}::uuid AND p.direction = 'in'
      AND p.expires_at > ${ctx.now}::timestamptz
      AND (src.id IS NULL OR src.enabled)
    ORDER BY p.id`,
  build: (rows: PressureRow[], s, now) => {
    const signal = pressureSignal(rows, s, now);
    return signal ? [signal] : [];
  },
});
