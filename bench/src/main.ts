// `npm run bench`: every benchmark on embedded PGlite and on the machine's PostgreSQL, printed as
// one table of figures next to baselines measured in the same run. `BENCH_QUICK=1` shrinks the sizes;
// `BENCH_ONLY=agent,lease` (any of fleet-core, agent, lease, learnings, mcp, concierge) runs a subset.
import { benchAgentHeartbeats } from "./agent.bench.ts";
import { openBackend } from "./backends.ts";
import { benchConcierge } from "./concierge.bench.ts";
import { benchFleetCore } from "./fleet-core.bench.ts";
import { benchLearnings } from "./learnings.bench.ts";
import { benchLeases } from "./lease.bench.ts";
import { benchMcp } from "./mcp.bench.ts";
import { type Row, renderTable } from "./stats.ts";

async function main() {
  const quick = process.env.BENCH_QUICK === "1";
  const only = process.env.BENCH_BACKENDS?.split(",") ?? ["pglite", "postgres"];
  const suites = process.env.BENCH_ONLY?.split(",") ?? [
    "fleet-core",
    "agent",
    "lease",
    "learnings",
    "mcp",
    "concierge",
  ];
  const wants = (suite: string) => suites.includes(suite);
  const rows: Row[] = [];
  for (const name of ["pglite", "postgres"] as const) {
    if (!only.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    const backend = await openBackend(name);
    try {
      if (wants("fleet-core"))
        rows.push(
          ...(await benchFleetCore(backend, {
            creates: quick ? 200 : 2000,
            transitions: quick ? 200 : 2000,
            listSamples: quick ? 40 : 200,
            concurrency: 4,
            listSizes: quick ? [10_000] : [10_000, 100_000],
          })),
        );
      if (wants("agent"))
        rows.push(...(await benchAgentHeartbeats(backend, { agents: quick ? 16 : 64, seconds: quick ? 2 : 4 })));
      if (wants("lease")) rows.push(...(await benchLeases(backend, { tasks: quick ? 100 : 500, clients: 8 })));
      // HNSW vs the exact scan only where pgvector exists (PGlite); on PostgreSQL 15 the exact scan alone.
      if (wants("learnings"))
        rows.push(...(await benchLearnings(backend, { learnings: quick ? 2000 : 20_000, queries: 100 })));
      if (wants("mcp"))
        rows.push(...(await benchMcp(backend, { calls: quick ? 400 : 2000, warmup: quick ? 50 : 200, instances: 24 })));
      if (wants("concierge"))
        rows.push(...(await benchConcierge(backend, { runs: quick ? 5 : 20, warmup: quick ? 1 : 3 })));
    } finally {
      await backend.close();
    }
  }
  process.stdout.write(`\n${renderTable(rows)}\n`);
}

await main();
