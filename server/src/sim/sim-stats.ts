// Counters of a simulator run: a per-second window (what `nodepilot sim` prints each second) and the
// run totals, with heartbeat latency percentiles over both.
export interface WindowStats {
  second: number;
  heartbeats_sent: number;
  heartbeats_acked: number;
  heartbeats_dropped: number;
  errors: number;
  tasks_done: number;
  tasks_failed: number;
  p50_ms: number;
  p99_ms: number;
}

export interface SimSummary {
  agents: number;
  enrolled: number;
  silent_agents: number;
  seconds: number;
  heartbeats_sent: number;
  heartbeats_acked: number;
  heartbeats_dropped: number;
  heartbeats_per_second: number;
  errors: number;
  /** The first few distinct error messages, for the operator. */
  error_samples: string[];
  tasks_done: number;
  tasks_failed: number;
  p50_ms: number;
  p99_ms: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const zero = () => ({ sent: 0, acked: 0, dropped: 0, errors: 0, done: 0, failed: 0, latencies: [] as number[] });

export class SimStats {
  #window = zero();
  #total = zero();
  #second = 0;
  readonly errorSamples = new Set<string>();

  sent() {
    this.#window.sent++;
    this.#total.sent++;
  }
  acked(ms: number) {
    this.#window.acked++;
    this.#total.acked++;
    this.#window.latencies.push(ms);
    this.#total.latencies.push(ms);
  }
  dropped() {
    this.#window.dropped++;
    this.#total.dropped++;
  }
  error(err: unknown) {
    this.#window.errors++;
    this.#total.errors++;
    if (this.errorSamples.size < 5) this.errorSamples.add((err as Error).message ?? String(err));
  }
  taskReported(status: string) {
    const failed = status !== "succeeded" && status !== "deferred";
    if (failed) {
      this.#window.failed++;
      this.#total.failed++;
    } else {
      this.#window.done++;
      this.#total.done++;
    }
  }

  get totals() {
    return { sent: this.#total.sent, acked: this.#total.acked, done: this.#total.done, failed: this.#total.failed };
  }

  /** Closes the current one-second window and returns it. */
  tick(): WindowStats {
    const w = this.#window;
    this.#window = zero();
    return {
      second: ++this.#second,
      heartbeats_sent: w.sent,
      heartbeats_acked: w.acked,
      heartbeats_dropped: w.dropped,
      errors: w.errors,
      tasks_done: w.done,
      tasks_failed: w.failed,
      p50_ms: percentile(w.latencies, 50),
      p99_ms: percentile(w.latencies, 99),
    };
  }

  summary(agents: number, enrolled: number, silent: number, seconds: number): SimSummary {
    const t = this.#total;
    return {
      agents,
      enrolled,
      silent_agents: silent,
      seconds,
      heartbeats_sent: t.sent,
      heartbeats_acked: t.acked,
      heartbeats_dropped: t.dropped,
      heartbeats_per_second: seconds > 0 ? t.acked / seconds : 0,
      errors: t.errors,
      error_samples: [...this.errorSamples],
      tasks_done: t.done,
      tasks_failed: t.failed,
      p50_ms: percentile(t.latencies, 50),
      p99_ms: percentile(t.latencies, 99),
    };
  }
}
