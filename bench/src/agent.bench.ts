// Agent API benchmark: heartbeats/s and p50/p99 of simulated agents (the agent library's mTLS client,
// one keep-alive connection and one request in flight per agent) against the runtime's agent
// listener, next to a bare Hono TLS endpoint answering 200 with the same client code and concurrency
// in the same run. The clients run in a separate process (heartbeat-load.ts) so the load generator
// does not share the server's event loop; rounds alternate so machine drift hits both sides.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { enrollSimulatedFleet, startBareHeartbeatEndpoint } from "@nodepilot/server";
import type { Backend } from "./backends.ts";
import type { StormResult } from "./heartbeat-load.ts";
import { percentile, type Row } from "./stats.ts";

export interface AgentBenchOptions {
  agents: number;
  /** Seconds per side per round (two rounds). */
  seconds: number;
}

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

const LOAD_SCRIPT = fileURLToPath(new URL("./heartbeat-load.ts", import.meta.url));

/** One message out, one reply in, over the child's IPC channel. */
function ask<T>(child: ChildProcess, msg: unknown, want: string): Promise<T> {
  return new Promise((ok, fail) => {
    const onMessage = (m: { kind: string } & Record<string, unknown>) => {
      if (m.kind !== want) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      ok(m as T);
    };
    const onExit = (code: number | null) => fail(new Error(`heartbeat load process exited (${code})`));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(msg as never);
  });
}

const merge = (runs: StormResult[]): Run => {
  const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    perSecond: all.length / runs.reduce((s, r) => s + r.elapsed, 0),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    errors: runs.reduce((s, r) => s + r.errors, 0),
  };
};

export async function benchAgentHeartbeats(backend: Backend, opts: AgentBenchOptions): Promise<Row[]> {
  const { runtime } = backend;
  const sim = await enrollSimulatedFleet(runtime, {
    agents: opts.agents,
    rate: Number.POSITIVE_INFINITY,
    durationSeconds: opts.seconds,
    enroll: "in_process",
  });
  const bare = await startBareHeartbeatEndpoint(runtime.services);
  // fork() inherits this process's execArgv, so the child runs TypeScript through the same loader.
  const child = fork(LOAD_SCRIPT, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const storm = async (url: string, seconds: number) =>
    (await ask<{ result: StormResult }>(child, { kind: "storm", url, seconds }, "result")).result;
  try {
    await ask(
      child,
      {
        kind: "setup",
        caPem: sim.listener.caPem,
        agents: sim.agents.map((a) => {
          if (!a.credentials) throw new Error(`sim agent ${a.instanceId} is not enrolled`);
          return { ...a.credentials, body: a.heartbeatBody(0) };
        }),
      },
      "ready",
    );
    // Warm-up: TLS handshakes and first-contact transitions are not what we measure.
    await storm(sim.listener.url, 1);
    await storm(bare.url, 1);
    const np: StormResult[] = [];
    const base: StormResult[] = [];
    for (let round = 0; round < 2; round++) {
      np.push(await storm(sim.listener.url, opts.seconds));
      base.push(await storm(bare.url, opts.seconds));
    }
    const a = merge(np);
    const b = merge(base);
    if (a.errors || b.errors) {
      const first = [...np, ...base].find((r) => r.firstError)?.firstError;
      process.stderr.write(`bench agent: errors listener ${a.errors}, bare ${b.errors}; first: ${first}\n`);
    }
    const label = `bare Hono TLS 200, ${opts.agents} mTLS agents`;
    const row = (metric: string, unit: string, x: number, y: number, better: Row["better"]): Row => ({
      backend: backend.name,
      metric,
      unit,
      nodepilot: x,
      baseline: y,
      better,
      baselineLabel: label,
    });
    return [
      row(`agent heartbeats/s (${opts.agents} agents)`, "/s", a.perSecond, b.perSecond, "higher"),
      row("agent heartbeat p50", "ms", a.p50, b.p50, "lower"),
      row("agent heartbeat p99", "ms", a.p99, b.p99, "lower"),
    ];
  } finally {
    const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
    child.send({ kind: "exit" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    await bare.close();
    await sim.cleanup();
  }
}
