// `npm run bench`: every benchmark on embedded PGlite and on the machine's PostgreSQL, printed as
// one table of figures next to baselines measured in the same run. `BENCH_QUICK=1` shrinks the sizes.
import { benchAgentHeartbeats } from "./agent.bench.ts";
import { openBackend } from "./backends.ts";
import { benchFleetCore } from "./fleet-core.bench.ts";
import { benchLearnings } from "./learnings.bench.ts";
import { benchLeases } from "./lease.bench.ts";
import { type Row, renderTable } from "./stats.ts";

async function main() {
  const quick = process.env.BENCH_QUICK === "1";
  const only = process.env.BENCH_BACKENDS?.split(",") ?? ["pglite", "postgres"];
  const rows: Row[] = [];
  for (const name of ["pglite", "postgres"] as const) {
    if (!only.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    const backend = await openBackend(name);
    try {
      rows.push(
        ...(await benchFleetCore(backend, {
          creates: quick ? 200 : 2000,
          transitions: quick ? 200 : 2000,
          listSamples: quick ? 40 : 200,
          concurrency: 4,
          listSizes: quick ? [10_000] : [10_000, 100_000],
        })),
      );
      rows.push(...(await benchAgentHeartbeats(backend, { agents: quick ? 16 : 64, seconds: quick ? 2 : 4 })));
      rows.push(...(await benchLeases(backend, { tasks: quick ? 100 : 500, clients: 8 })));
      // HNSW vs the exact scan only where pgvector exists (PGlite); on PostgreSQL 15 the exact scan alone.
      rows.push(...(await benchLearnings(backend, { learnings: quick ? 2000 : 20_000, queries: 100 })));
    } finally {
      await backend.close();
    }
  }
  process.stdout.write(`\n${renderTable(rows)}\n`);
}

await main();
