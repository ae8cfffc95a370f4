// Fleet-core benchmark: instance create/s, transition/s and list p95 at 10k and 100k rows, each
// through Nodepilot's REST surface (in process: routing, auth, parsing, the catalog) next to the
// hand-written SQL of the same work on the same database in the same run.
import { ALL_SCOPES, issueToken } from "@nodepilot/core";
import {
  instance_types,
  node_platforms,
  node_templates,
  provider_connections,
  provider_regions,
} from "@nodepilot/store";
import { eq } from "drizzle-orm";
import type { Backend } from "./backends.ts";
import { rawList, rawProvision, rawStop } from "./raw-sql.ts";
import { measure, type Row, type Sample } from "./stats.ts";

export interface FleetCoreOptions {
  creates: number;
  transitions: number;
  listSamples: number;
  concurrency: number;
  listSizes: number[];
}

/** Alternate the two sides in rounds so that drift on a shared machine hits both alike. */
async function paired(
  count: number,
  concurrency: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<[Sample, Sample]> {
  const rounds = 2;
  const per = Math.floor(count / rounds);
  const sa: Sample[] = [];
  const sb: Sample[] = [];
  for (let r = 0; r < rounds; r++) {
    sa.push(await measure(per, concurrency, (i) => a(r * per + i)));
    sb.push(await measure(per, concurrency, (i) => b(r * per + i)));
  }
  const merge = (s: Sample[]): Sample => {
    const seconds = s.reduce((x, y) => x + y.seconds, 0);
    const n = s.reduce((x, y) => x + y.count, 0);
    return {
      count: n,
      seconds,
      perSecond: n / seconds,
      p50: Math.max(...s.map((x) => x.p50)),
      p95: Math.max(...s.map((x) => x.p95)),
      p99: Math.max(...s.map((x) => x.p99)),
    };
  };
  return [merge(sa), merge(sb)];
}

export async function benchFleetCore(backend: Backend, opts: FleetCoreOptions): Promise<Row[]> {
  const { runtime } = backend;
  const db = runtime.database.db;
  const pool = runtime.database.pool;
  const accountId = runtime.accountId;
  const { plaintext: token } = await issueToken(db, {
    accountId,
    userId: runtime.ownerUserId,
    name: "bench",
    scopes: [...ALL_SCOPES],
    expiresAt: new Date(Date.now() + 3600_000),
  });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await runtime.app.request(path, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ data: { id: string } & Record<string, unknown> }>;
  };

  const [platform] = await db.select().from(node_platforms).where(eq(node_platforms.account_id, accountId));
  const [template] = await db
    .insert(node_templates)
    .values({ account_id: accountId, name: "bench", node_platform_id: platform!.id })
    .returning();
  const node = (await call("POST", "/api/v1/nodes", { name: "bench-node", node_template_id: template!.id })).data;
  const [conn] = await db.select().from(provider_connections).where(eq(provider_connections.account_id, accountId));
  const [region] = await db.select().from(provider_regions).where(eq(provider_regions.account_id, accountId));
  const [type] = await db.select().from(instance_types).where(eq(instance_types.account_id, accountId));
  const placement = {
    accountId,
    nodeId: node.id,
    connectionId: conn!.id,
    regionId: region!.id,
    instanceTypeId: type!.id,
  };
  const rows: Row[] = [];
  const label = "hand-written SQL, same DB";

  // Create: POST /node_instances (instance + provision task + events) vs the same inserts.
  const [npCreate, rawCreate] = await paired(
    opts.creates,
    opts.concurrency,
    (i) => call("POST", "/api/v1/node_instances", { node_id: node.id, name: `np-${i}` }),
    (i) => rawProvision(pool, placement, `raw-${i}`),
  );
  rows.push({
    backend: backend.name,
    metric: "instance create/s",
    unit: "/s",
    nodepilot: npCreate.perSecond,
    baseline: rawCreate.perSecond,
    better: "higher",
    baselineLabel: label,
  });

  // Transition: running → stopping with its stop task, on instances nobody else touches.
  await pool.query(
    `INSERT INTO node_instances (id, account_id, node_id, name, variety, status, provider_connection_id, provider_region_id, instance_type_id)
     SELECT gen_random_uuid(), $1, $2, 'run-' || g, 'local', 'running', $3, $4, $5 FROM generate_series(1, $6) g`,
    [accountId, node.id, conn!.id, region!.id, type!.id, opts.transitions * 2],
  );
  const running = (
    await pool.query("SELECT id FROM node_instances WHERE account_id = $1 AND name LIKE 'run-%' ORDER BY name", [
      accountId,
    ])
  ).rows.map((r) => r.id as string);
  const [npStop, rawStopS] = await paired(
    opts.transitions,
    opts.concurrency,
    (i) => call("POST", `/api/v1/node_instances/${running[i]}/stop`, {}),
    (i) => rawStop(pool, accountId, running[opts.transitions + i]!),
  );
  rows.push({
    backend: backend.name,
    metric: "instance transition/s (stop)",
    unit: "/s",
    nodepilot: npStop.perSecond,
    baseline: rawStopS.perSecond,
    better: "higher",
    baselineLabel: label,
  });

  // List p95 at growing table sizes: first page of instance.list, unfiltered and by status.
  for (const size of opts.listSizes) {
    const have = Number(
      (await pool.query("SELECT count(*) FROM node_instances WHERE account_id = $1", [accountId])).rows[0].count,
    );
    if (have < size) {
      await pool.query(
        `INSERT INTO node_instances (id, account_id, node_id, name, variety, status, provider_connection_id, provider_region_id, instance_type_id, created_at)
         SELECT gen_random_uuid(), $1, $2, 'bulk-' || ($7::int + g), 'local',
                (ARRAY['running','running','stopped','pending'])[1 + g % 4], $3, $4, $5, now() - (g || ' ms')::interval
         FROM generate_series(1, $6) g`,
        [accountId, node.id, conn!.id, region!.id, type!.id, size - have, have],
      );
      await pool.query("ANALYZE node_instances");
    }
    for (const status of [undefined, "stopped"]) {
      const q = status ? `?status=${status}&limit=50` : "?limit=50";
      const [np, raw] = await paired(
        opts.listSamples,
        1,
        () => call("GET", `/api/v1/node_instances${q}`),
        () => rawList(pool, accountId, status),
      );
      rows.push({
        backend: backend.name,
        metric: `instance list p95 @${size / 1000}k rows${status ? ` (status=${status})` : ""}`,
        unit: "ms",
        nodepilot: np.p95,
        baseline: raw.p95,
        better: "lower",
        baselineLabel: label,
      });
    }
  }
  return rows;
}
