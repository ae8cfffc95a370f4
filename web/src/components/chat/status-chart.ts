// Counts by a status-like column (status, severity, state) of a list result, for the small bar chart
// above its table (spec/ui.md §3.5). Pure: the rows shown are counted, nothing else — a result with
// more pages says so in the title rather than extrapolating.
import type { Bar, Tone } from "@/components/charts/bar-chart";

export const MIN_CHART_ROWS = 3;
export const MAX_CATEGORIES = 12;
const MAX_LABEL = 18;

/** The preferred columns, then any `<x>_status`, `<x>_severity` or `<x>_state`. */
const PREFERRED = ["status", "severity", "state"];
const SUFFIX = /_(status|severity|state)$/;

// Severity colours follow spec/ui.md §1.8 (critical/high red, medium amber, low neutral); the
// label is always shown beside the colour.
const TONE_WORDS: Record<Tone, string> = {
  ok: "running succeeded success applied approved executed active healthy ok online complete completed effective enabled fresh connected ready published verified passed",
  danger:
    "failed failure error critical high rejected offline dead silent presumed_dead refused ineffective stale expired blocked broken unhealthy execution_failed",
  warn: "pending medium warning warn degraded starting stopping rebooting provisioning terminating queued leased executing late deferred draining awaiting_approval in_progress",
  neutral:
    "stopped terminated cancelled canceled low info none unknown disabled superseded obsolete closed retired archived idle",
  accent: "",
};

const TONES = new Map<string, Tone>(
  (Object.entries(TONE_WORDS) as [Tone, string][]).flatMap(([t, words]) =>
    words
      .split(" ")
      .filter(Boolean)
      .map((w): [string, Tone] => [w, t]),
  ),
);

export function toneOf(label: string): Tone {
  return (
    TONES.get(
      label
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, "_"),
    ) ?? "accent"
  );
}

export interface StatusChart {
  column: string;
  bars: Bar[];
  /** Rows counted (every row given). */
  counted: number;
}

const hasText = (v: unknown) => typeof v === "string" && v !== "";

/** The status-like column most rows fill with text, or null. */
export function statusColumnOf(rows: readonly Record<string, unknown>[]): string | null {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  const candidates = [...PREFERRED.filter((k) => keys.has(k)), ...[...keys].filter((k) => SUFFIX.test(k)).sort()];
  return (
    candidates.find((k) => {
      const filled = rows.filter((r) => hasText(r[k])).length;
      // Text or empty only: a status column holding numbers or objects is not a category.
      const categorical = rows.every((r) => r[k] === undefined || r[k] === null || typeof r[k] === "string");
      return categorical && filled * 2 >= rows.length;
    }) ?? null
  );
}

const NONE = "(none)";

const short = (s: string) => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s);

/** Counts per value of the status-like column, most frequent first; null when there is nothing to chart. */
export function statusChart(rows: readonly Record<string, unknown>[]): StatusChart | null {
  if (rows.length < MIN_CHART_ROWS) return null;
  const column = statusColumnOf(rows);
  if (!column) return null;
  const counts = new Map<string, number>();
  for (const r of rows) {
    const v = r[column];
    const label = hasText(v) ? (v as string) : NONE;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (counts.size > MAX_CATEGORIES) return null;
  const bars = [...counts]
    // Ties by name, with rows that have no value last.
    .sort(([a, x], [b, y]) => y - x || Number(a === NONE) - Number(b === NONE) || a.localeCompare(b))
    .map(([label, value]) => ({ label: short(label), value, tone: label === NONE ? "neutral" : toneOf(label) }));
  return { column, bars, counted: rows.length };
}

/** The chart's title, saying what was counted. */
export function chartTitle(chart: StatusChart, what: string, more: boolean): string {
  const rows = `${chart.counted} ${chart.counted === 1 ? "row" : "rows"}${more ? " shown; more exist" : ""}`;
  return `${what} by ${chart.column.replace(/_/g, " ")} (${rows})`;
}

/** A pipe table's rows as records keyed by header (`Status` → `status`), for statusChart. */
export function tableRecords(header: readonly string[], rows: readonly string[][]): Record<string, string>[] {
  const keys = header.map((h) => h.trim().toLowerCase().replace(/\s+/g, "_"));
  return rows.map((cells) => Object.fromEntries(keys.map((k, i) => [k, (cells[i] ?? "").trim()])));
}
