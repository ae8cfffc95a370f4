// `nodepilot sim`: starts a runtime on the configured database (DATABASE_URL or the embedded data
// directory) and runs the fleet simulator against its agent listener, printing one line of
// statistics per second and a final summary.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { parseFaults } from "../sim/faults.ts";

/** `5` heartbeats/s per agent, `max` back to back, or an interval such as `30s` / `500ms`. */
export function parseRate(text: string): number {
  if (text === "max") return Number.POSITIVE_INFINITY;
  const interval = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (interval) {
    const ms = Number(interval[1]) * (interval[2] === "s" ? 1000 : 1);
    if (ms > 0) return 1000 / ms;
  }
  const n = Number(text);
  if (Number.isFinite(n) && n > 0) return n;
  throw new Error(`--rate: "${text}" is not heartbeats/s (e.g. 2), an interval (30s, 500ms) or "max"`);
}

const fmt = (n: number) => (Number.isNaN(n) ? "-" : n.toFixed(1));

export function registerSimCommand(program: Command): void {
  program
    .command("sim")
    .description("Simulate N agents in one process against this platform's agent listener (real mTLS)")
    .requiredOption("--agents <n>", "number of simulated agents", (v) => Number.parseInt(v, 10))
    .option("--rate <rate>", "heartbeats/s per agent, an interval (30s, 500ms) or max", "1")
    .option("--duration <seconds>", "how long the agents run", (v) => Number(v), 30)
    .option("--faults <list>", "drop_heartbeats=0.1,fail_tasks=0.05,hang_tasks=0.02,drift=0.01,silent=0.05")
    .option("--enroll <mode>", "auto | agent_api | in_process", "auto")
    .option("--url <url>", "an agent listener of another process on the same database (needs --ca)")
    .option("--ca <file>", "PEM of that listener's CA")
    .option("--token <token>", "admin API token for the REST calls (minted for the owner when omitted)")
    .option("--seed <n>", "random seed for fault injection", (v) => Number.parseInt(v, 10), 1)
    .option("--json", "print the summary as JSON")
    .action(async (o) => {
      if (o.url && !o.ca) throw new Error("--url needs --ca <file> (the listener's CA certificate)");
      if (!["auto", "agent_api", "in_process"].includes(o.enroll))
        throw new Error(`--enroll: unknown mode ${o.enroll}`);
      const config = loadConfig(process.env);
      const logger = createLogger(config.LOG_LEVEL);
      // Loaded here, not at import: every other command would pay for the whole runtime.
      const [{ createRuntime }, { runSimulator }] = await Promise.all([
        import("../runtime.ts"),
        import("../sim/simulator.ts"),
      ]);
      const runtime = await createRuntime({ config, logger });
      try {
        const { summary } = await runSimulator(runtime, {
          agents: o.agents,
          rate: parseRate(o.rate),
          durationSeconds: o.duration,
          faults: parseFaults(o.faults),
          enroll: o.enroll,
          seed: o.seed,
          ...(o.token ? { token: o.token } : {}),
          ...(o.url ? { listener: { url: o.url, caPem: readFileSync(o.ca, "utf8") } } : {}),
          log: (m) => process.stderr.write(`${m}\n`),
          onSecond: (w) =>
            process.stderr.write(
              `[${w.second}s] hb sent ${w.heartbeats_sent} acked ${w.heartbeats_acked} dropped ${w.heartbeats_dropped} p50 ${fmt(w.p50_ms)}ms p99 ${fmt(w.p99_ms)}ms errors ${w.errors} tasks done ${w.tasks_done} failed ${w.tasks_failed}\n`,
            ),
        });
        if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          process.stdout.write(
            `agents ${summary.agents} (enrolled ${summary.enrolled}, silent ${summary.silent_agents}) over ${summary.seconds.toFixed(1)} s\n` +
              `heartbeats sent ${summary.heartbeats_sent} acked ${summary.heartbeats_acked} dropped ${summary.heartbeats_dropped} (${summary.heartbeats_per_second.toFixed(0)}/s), p50 ${fmt(summary.p50_ms)} ms, p99 ${fmt(summary.p99_ms)} ms\n` +
              `tasks done ${summary.tasks_done}, failed ${summary.tasks_failed}; errors ${summary.errors}${summary.error_samples.length ? `: ${summary.error_samples.join(" | ")}` : ""}\n`,
          );
        }
      } finally {
        await runtime.stop();
      }
    });
}
