// Lease benchmark (spec/agent.md §6): tasks/s and lease-call p50/p99 of 8 clients each looping
// lease(max 1) → start → complete until one queue of N pending tasks is drained,
//   (a) through core's holder functions (leaseTasks, startTask, completeTask: the lease statement with
//       its exclusivity guard, the task log and a fleet event per transition, one transaction per call),
//   (c) through the agent API over mTLS: 8 simulated agents (the agent library's PlatformClient), each
//       leasing and completing the tasks of its own instance,
// next to (b) the textbook queue on a plain table: a single-row `UPDATE … WHERE id = (SELECT … FOR UPDATE
// SKIP LOCKED LIMIT 1) RETURNING` and an `UPDATE … SET status = 'done'`, same clients, same N, same
// database, in the same run. Rounds alternate the three so drift on a shared machine hits each alike.
import { randomUUID } from "node:crypto";
import {
  ALL_SCOPES,
  completeTask,
  type EventOrigin,
  issueToken,
  leaseTasks,
  payloadSha256,
  startTask,
  systemPrincipal,
} from "@nodepilot/core";
import { enrollSimulatedFleet } from "@nodepilot/server";
import { tasks } from "@nodepilot/store";
import { and, count, eq, inArray } from "drizzle-orm";
import type { Backend } from "./backends.ts";
import { percentile, type Row } from "./stats.ts";

export interface LeaseBenchOptions {
  /** N: the depth of each queue; every side drains one queue per round, two rounds. */
  tasks: number;
  clients: number;
}

// A small agent command with a small result, so the figures are the protocol rather than result parsing.
const COMMAND = "apply_config";
const RESULT = { converged: [], not_converged: [] };
const ROUNDS = 2;

interface Drained {
  tasks: number;
  seconds: number;
  leaseMs: number[];
}

/** Each client calls `once` until it finds its queue empty; `once` pushes the latency of a lease that got a task. */
async function drain(clients: number, once: (client: number, leaseMs: number[]) => Promise<boolean>) {
  const leaseMs: number[] = [];
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (await once(c, leaseMs)) done++;
    }),
  );
  return { tasks: done, seconds: (performance.now() - t0) / 1000, leaseMs };
}

function merge(runs: Drained[]) {
  const all = runs.flatMap((r) => r.leaseMs).sort((a, b) => a - b);
  const n = runs.reduce((s, r) => s + r.tasks, 0);
  return { perSecond: n / runs.reduce((s, r) => s + r.seconds, 0), p50: percentile(all, 50), p99: percentile(all, 99) };
}

/** The call's result and how long it took. */
const timed = async <T>(call: () => Promise<T>): Promise<[T, number]> => {
  const s = performance.now();
  const out = await call();
  return [out, performance.now() - s];
};

export async function benchLeases(backend: Backend, opts: LeaseBenchOptions): Promise<Row[]> {
  const { runtime } = backend;
  const db = runtime.database.db;
  const pool = runtime.database.pool;
  const accountId = runtime.accountId;
  // Our own token: the simulator's default one is named per account, and the heartbeat bench has it.
  const { plaintext: token } = await issueToken(db, {
    accountId,
    userId: runtime.ownerUserId,
    name: "bench leases",
    scopes: [...ALL_SCOPES],
    expiresAt: new Date(Date.now() + 3600_000),
  });
  const sim = await enrollSimulatedFleet(runtime, {
    agents: opts.clients,
    token,
    rate: Number.POSITIVE_INFINITY,
    durationSeconds: 1,
    enroll: "in_process",
  });
  const instances = sim.agents.map((a) => a.instanceId);
  const agents = sim.agents.map((a) => a.connect(sim.listener.url));
  const origin = (now: Date): EventOrigin => ({
    principal: systemPrincipal(accountId, ["fleet:admin"]),
    source: "system",
    correlationId: null,
    now,
  });
  const onInstances = and(
    eq(tasks.account_id, accountId),
    eq(tasks.command, COMMAND),
    inArray(tasks.subject_id, instances),
  );

  // Round-robin over the instances: one queue for the core clients, N / clients per agent for the API.
  const enqueue = async (n: number) => {
    const now = Date.now();
    const sha = payloadSha256({});
    for (let i = 0; i < n; i += 1000) {
      await db.insert(tasks).values(
        Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
          account_id: accountId,
          subject_type: "node_instance" as const,
          subject_id: instances[(i + k) % instances.length]!,
          command: COMMAND,
          payload: {},
          executor: "agent" as const,
          payload_sha256: sha,
          available_at: new Date(now - 1000),
          expires_at: new Date(now + 48 * 3600_000),
          initiated_by_type: "system" as const,
        })),
      );
    }
    await pool.query("ANALYZE tasks");
  };
  const drainedAll = async (what: string, d: Drained, n: number) => {
    const [left] = await db
      .select({ c: count() })
      .from(tasks)
      .where(and(onInstances, inArray(tasks.status, ["pending", "leased", "running"])));
    if (d.tasks !== n || left!.c !== 0)
      throw new Error(`bench lease ${what}: ${d.tasks} of ${n} done, ${left!.c} left`);
    return d;
  };

  const core = async (n: number) => {
    await enqueue(n);
    const d = await drain(opts.clients, async (c, leaseMs) => {
      const now = new Date();
      const [[t], ms] = await timed(() =>
        leaseTasks(db, origin(now), {
          executor: "agent",
          holder: `bench-${c}`,
          limit: 1,
          subjects: instances.map((id) => ({ type: "node_instance" as const, id })),
          commands: [COMMAND],
          accountId,
          now,
        }),
      );
      if (!t) return false;
      leaseMs.push(ms);
      await startTask(db, origin(new Date()), { taskId: t.id, leaseId: t.lease_id!, now: new Date() });
      const done = { taskId: t.id, leaseId: t.lease_id!, completionId: randomUUID(), result: RESULT };
      await completeTask(db, origin(new Date()), { ...done, now: new Date() });
      return true;
    });
    return drainedAll("core", d, n);
  };

  const api = async (n: number) => {
    await enqueue(n);
    const d = await drain(opts.clients, async (c, leaseMs) => {
      const client = agents[c]!;
      const [{ tasks: leased }, ms] = await timed(() => client.lease({ max: 1, commands: [COMMAND], wait_seconds: 0 }));
      const t = leased[0];
      if (!t) return false;
      leaseMs.push(ms);
      await client.start(t.id, { lease_id: t.lease_id });
      await client.complete(t.id, { lease_id: t.lease_id, completion_id: randomUUID(), result: RESULT });
      return true;
    });
    return drainedAll("agent API", d, n);
  };

  await pool.query(`CREATE TABLE IF NOT EXISTS bench_queue (
    id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'pending', payload jsonb NOT NULL DEFAULT '{}',
    leased_by text, leased_at timestamptz, done_at timestamptz)`);
  await pool.query("CREATE INDEX IF NOT EXISTS bench_queue_pending ON bench_queue (id) WHERE status = 'pending'");
  const baseline = async (n: number) => {
    await pool.query("TRUNCATE bench_queue");
    await pool.query("INSERT INTO bench_queue (payload) SELECT '{}' FROM generate_series(1, $1)", [n]);
    await pool.query("ANALYZE bench_queue");
    const d = await drain(opts.clients, async (c, leaseMs) => {
      const holder = `bench-${c}`;
      const [leased, ms] = await timed(() =>
        pool.query(
          `UPDATE bench_queue SET status = 'leased', leased_by = $1, leased_at = now()
           WHERE id = (SELECT id FROM bench_queue WHERE status = 'pending' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
           RETURNING id, payload`,
          [holder],
        ),
      );
      const row = leased.rows[0] as { id: string } | undefined;
      if (!row) return false;
      leaseMs.push(ms);
      const done = await pool.query(
        "UPDATE bench_queue SET status = 'done', done_at = now() WHERE id = $1 AND leased_by = $2 AND status = 'leased'",
        [row.id, holder],
      );
      if (done.rowCount !== 1) throw new Error(`bench lease baseline: row ${row.id} was not ours to finish`);
      return true;
    });
    const left = await pool.query("SELECT count(*)::int AS c FROM bench_queue WHERE status <> 'done'");
    if (d.tasks !== n || left.rows[0].c !== 0) throw new Error(`bench lease baseline: ${d.tasks} of ${n} done`);
    return d;
  };

  try {
    // Warm-up: TLS handshakes, prepared plans and first-contact work are not what we measure.
    const warm = opts.clients * 4;
    await baseline(warm);
    await core(warm);
    await api(warm);
    const runs = { base: [] as Drained[], core: [] as Drained[], api: [] as Drained[] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.base.push(await baseline(opts.tasks));
      runs.core.push(await core(opts.tasks));
      runs.api.push(await api(opts.tasks));
    }
    const b = merge(runs.base);
    const a = merge(runs.core);
    const c = merge(runs.api);
    const label = `plain SKIP LOCKED loop, ${opts.clients} clients`;
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
      row(`leases/s, core (${opts.clients} clients, N=${opts.tasks})`, "/s", a.perSecond, b.perSecond, "higher"),
      row("lease call p50, core", "ms", a.p50, b.p50, "lower"),
      row("lease call p99, core", "ms", a.p99, b.p99, "lower"),
      row(`leases/s, agent API (${opts.clients} mTLS agents)`, "/s", c.perSecond, b.perSecond, "higher"),
      row("lease call p50, agent API", "ms", c.p50, b.p50, "lower"),
      row("lease call p99, agent API", "ms", c.p99, b.p99, "lower"),
    ];
  } finally {
    for (const client of agents) client.close();
    await sim.cleanup();
  }
}
