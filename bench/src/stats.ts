// Measurement helpers: timed loops with bounded concurrency, percentiles, and the result table.
export interface Sample {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const idx = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[idx] as number;
}

/** Run `fn(i)` for i in [0, count) with `concurrency` workers; record each call's latency. */
export async function measure(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<Sample> {
  const latencies: number[] = new Array(count);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const s = performance.now();
        await fn(i);
        latencies[i] = performance.now() - s;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count,
    seconds,
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

export interface Row {
  backend: string;
  metric: string;
  unit: string;
  nodepilot: number;
  baseline: number;
  /** "higher" when bigger numbers are better (throughput), "lower" for latencies. */
  better: "higher" | "lower";
  baselineLabel: string;
}

const fmt = (n: number) => (Number.isNaN(n) ? "n/a" : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** Ratio as "nodepilot relative to baseline": throughput np/base, latency np/base (lower is better). */
export const ratio = (r: Row) => r.nodepilot / r.baseline;

export function renderTable(rows: Row[]): string {
  const head = ["backend", "metric", "nodepilot", "baseline", "ratio", "baseline is"];
  const body = rows.map((r) => [
    r.backend,
    r.metric,
    `${fmt(r.nodepilot)} ${r.unit}`,
    `${fmt(r.baseline)} ${r.unit}`,
    `${ratio(r).toFixed(2)}× ${r.better === "higher" ? "(of baseline throughput)" : "(of baseline latency)"}`,
    r.baselineLabel,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}
