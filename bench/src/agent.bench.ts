// Agent API benchmark: heartbeats/s and p50/p99 of simulated agents (the agent library's mTLS client,
// one keep-alive connection and one request in flight per agent) against the runtime's agent
// listener, next to a bare Hono TLS endpoint answering 200 with the same client code and concurrency
// in the same run. Each side runs for a bounded time, alternating rounds so machine drift hits both.
import type { PlatformClient } from "@nodepilot/agent";
import { enrollSimulatedFleet, startBareHeartbeatEndpoint } from "@nodepilot/server";
import type { Backend } from "./backends.ts";
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

async function storm(clients: PlatformClient[], body: (i: number, seq: number) => unknown, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      for (let seq = 0; performance.now() < end; seq++) {
        const s = performance.now();
        try {
          await client.heartbeat(body(i, seq) as Parameters<PlatformClient["heartbeat"]>[0]);
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, elapsed, latencies, errors };
}

const merge = (runs: Awaited<ReturnType<typeof storm>>[]): Run => {
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
  const listenerClients = sim.agents.map((a) => a.connect(sim.listener.url));
  const bareClients = sim.agents.map((a) => a.connect(bare.url));
  const body = (i: number, seq: number) => sim.agents[i]?.heartbeatBody(seq);
  try {
    // Warm-up: TLS handshakes and first-contact transitions are not what we measure.
    await storm(listenerClients, body, 1);
    await storm(bareClients, body, 1);
    const np: Awaited<ReturnType<typeof storm>>[] = [];
    const base: Awaited<ReturnType<typeof storm>>[] = [];
    for (let round = 0; round < 2; round++) {
      np.push(await storm(listenerClients, body, opts.seconds));
      base.push(await storm(bareClients, body, opts.seconds));
    }
    const a = merge(np);
    const b = merge(base);
    if (a.errors || b.errors) process.stderr.write(`bench agent: errors listener ${a.errors}, bare ${b.errors}\n`);
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
    for (const c of [...listenerClients, ...bareClients]) c.close();
    await bare.close();
    await sim.cleanup();
  }
}
