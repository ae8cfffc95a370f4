// MCP benchmark (spec/mcp.md §7, issue 5): p50/p99 and calls/s of one read tool, `instance_list`
// (a page of seeded instances), called through the SDK's Client over Streamable HTTP with an
// initialized session, next to the same operation over REST (`GET /api/v1/node_instances` with fetch
// and a bearer token) against the same runtime in the same run. A third side sends the same
// tools/call as a raw JSON-RPC POST with fetch in the SDK client's session, so the table tells the
// server's cost of MCP from the SDK client's. All go over a real localhost TCP port, as clients see
// it. Calls are sequential; rounds alternate the sides so drift on a shared machine hits all alike.
// Targets (on the SDK client, as clients see it): MCP at most 1.5× REST, MCP p50 at most 5 ms.
// The runtime is a sibling of the backend's (its own PGlite directory, or the backend's PostgreSQL
// database under another account) because MCP rate limits are fixed when a runtime is built.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ALL_SCOPES, issueToken, type Logger } from "@nodepilot/core";
import { createRuntime, loadConfig, type Runtime } from "@nodepilot/server";
import {
  instance_types,
  node_platforms,
  node_templates,
  provider_connections,
  provider_regions,
} from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Backend } from "./backends.ts";
import { percentile, type Row } from "./stats.ts";

export interface McpBenchOptions {
  /** Timed calls per side, split over the rounds. */
  calls: number;
  /** Untimed calls per side first (JIT, connection pool, the lazily built /mcp surface, caches). */
  warmup: number;
  /** Instances seeded over two nodes; instance.list returns them all as one page. */
  instances: number;
}

// Short rounds: other work on a shared machine comes in bursts of a few seconds.
const ROUNDS = 10;
const TARGET_RATIO = 1.5;
const TARGET_P50_MS = 5;
const TOOL = "instance_list";

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (m, d) => process.stderr.write(`${m} ${JSON.stringify(d)}\n`),
};

interface Side {
  latencies: number[];
  seconds: number;
}

async function timed(side: Side, count: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const s = performance.now();
    await fn();
    const ms = performance.now() - s;
    side.latencies.push(ms);
    side.seconds += ms / 1000;
  }
}

type Summary = ReturnType<typeof summary>;

function summary(side: Side) {
  const sorted = [...side.latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSecond: sorted.length / side.seconds };
}

/** p50, p99 and calls/s of one side against REST; `flags` are appended to the metric names they key. */
function sideRows(
  backend: string,
  what: string,
  side: Summary,
  rest: Summary,
  flags: Partial<Record<"p50" | "perSecond", string>>,
): Row[] {
  const row = (metric: string, unit: string, key: keyof Summary, better: Row["better"]): Row => ({
    backend,
    metric: `${what} ${metric}`,
    unit,
    nodepilot: side[key],
    baseline: rest[key],
    better,
    baselineLabel: "REST GET, same op, same run",
  });
  return [
    row(`p50${flags.p50 ?? ""}`, "ms", "p50", "lower"),
    row("p99", "ms", "p99", "lower"),
    row(`calls/s${flags.perSecond ?? ""}`, "/s", "perSecond", "higher"),
  ];
}

// What a tools/call reply body must hold for the raw side to count it (the SDK client checks more).
const RawReply = z.object({
  id: z.string(),
  result: z.object({ isError: z.boolean().optional(), structuredContent: z.object({ items: z.array(z.unknown()) }) }),
});

/**
 * tools/call as a bare JSON-RPC POST with fetch in an open session: no SDK client, so no result
 * schema, no JSON Schema check of structuredContent and no shared abort signal — what is left is the
 * server's /mcp path and the JSON parse. A read without a progressToken is answered as one JSON body.
 */
function rawToolsCall(url: string, session: Record<string, string>): () => Promise<unknown[]> {
  const headers = { ...session, "content-type": "application/json", accept: "application/json, text/event-stream" };
  // String ids cannot meet the SDK client's numeric ones in the shared session.
  let n = 0;
  return async () => {
    const id = `raw-${++n}`;
    const res = await fetch(`${url}/mcp`, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: TOOL, arguments: {} } }),
    });
    const text = await res.text();
    if (res.status !== 200 || !res.headers.get("content-type")?.startsWith("application/json")) {
      throw new Error(`raw tools/call ${TOOL} → ${res.status} ${res.headers.get("content-type")}: ${text}`);
    }
    const reply = RawReply.safeParse(JSON.parse(text));
    if (!reply.success || reply.data.id !== id || reply.data.result.isError) {
      throw new Error(`raw tools/call ${TOOL} → unexpected reply: ${text.slice(0, 500)}`);
    }
    return reply.data.result.structuredContent.items;
  };
}

/** Two nodes through REST (they carry generated keys), then `count` instances over them by SQL. */
async function seed(runtime: Runtime, url: string, authorization: string, count: number): Promise<void> {
  const db = runtime.database.db;
  const accountId = runtime.accountId;
  const [platform] = await db.select().from(node_platforms).where(eq(node_platforms.account_id, accountId));
  const [template] = await db
    .insert(node_templates)
    .values({ account_id: accountId, name: "bench-mcp", node_platform_id: platform!.id })
    .returning();
  const [conn] = await db.select().from(provider_connections).where(eq(provider_connections.account_id, accountId));
  const [region] = await db.select().from(provider_regions).where(eq(provider_regions.account_id, accountId));
  const [type] = await db.select().from(instance_types).where(eq(instance_types.account_id, accountId));
  for (const [n, name] of ["bench-edge", "bench-core"].entries()) {
    const res = await fetch(`${url}/api/v1/nodes`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify({ name, node_template_id: template!.id }),
    });
    if (res.status !== 201) throw new Error(`POST /api/v1/nodes → ${res.status} ${await res.text()}`);
    const node = ((await res.json()) as { data: { id: string } }).data;
    const half = n === 0 ? Math.ceil(count / 2) : Math.floor(count / 2);
    await runtime.database.pool.query(
      `INSERT INTO node_instances (id, account_id, node_id, name, variety, status, provider_connection_id, provider_region_id, instance_type_id, created_at)
       SELECT gen_random_uuid(), $1, $2, $6 || '-' || g, 'local', (ARRAY['running','running','stopped'])[1 + g % 3],
              $3, $4, $5, now() - (g || ' s')::interval
       FROM generate_series(1, $7) g`,
      [accountId, node.id, conn!.id, region!.id, type!.id, name, half],
    );
  }
}

export async function benchMcp(backend: Backend, opts: McpBenchOptions): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-bench-mcp-"));
  const shared = backend.runtime.config.DATABASE_URL;
  const runtime = await createRuntime({
    config: loadConfig({
      NODEPILOT_DATA_DIR: dataDir,
      NODEPILOT_DB_POOL_SIZE: "10",
      ...(shared ? { DATABASE_URL: shared, NODEPILOT_ACCOUNT: "bench-mcp" } : {}),
    }),
    logger: silent,
    masterKey: randomBytes(32),
    writeAdminToken: false,
    startRunners: false,
    // The default 120 reads a minute would refuse the run; the limiter's own check still runs per call.
    mcpRateLimits: { readsPerMinute: 1_000_000, writesPerMinute: 1_000_000 },
  });
  const server = createServer(getRequestListener(runtime.app.fetch));
  const client = new Client({ name: "nodepilot-bench", version: "0.1.0" });
  try {
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(0, "127.0.0.1", ok);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { plaintext: token } = await issueToken(runtime.database.db, {
      accountId: runtime.accountId,
      userId: runtime.ownerUserId,
      name: "bench-mcp",
      scopes: [...ALL_SCOPES],
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const authorization = `Bearer ${token}`;
    await seed(runtime, url, authorization, opts.instances);

    const rest = async () => {
      const res = await fetch(`${url}/api/v1/node_instances`, { headers: { authorization } });
      if (res.status !== 200) throw new Error(`GET /api/v1/node_instances → ${res.status} ${await res.text()}`);
      return ((await res.json()) as { data: unknown[] }).data;
    };
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization } },
    });
    await client.connect(transport);
    // As a real client does: tools/list first, which also compiles the output-schema validators callTool uses.
    await client.listTools();
    const mcp = async () => {
      const result = await client.callTool({ name: TOOL, arguments: {} });
      if (result.isError) throw new Error(`${TOOL} → ${JSON.stringify(result.content)}`);
      return (result.structuredContent as { items: unknown[] }).items;
    };
    const { sessionId, protocolVersion } = transport;
    if (!sessionId || !protocolVersion)
      throw new Error("the SDK client's session has no mcp-session-id or protocol version");
    const raw = rawToolsCall(url, {
      authorization,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": protocolVersion,
    });

    // Every side must carry the same page, or the comparison is not of the same work.
    const [viaRest, viaMcp, viaRaw] = [await rest(), await mcp(), await raw()];
    if ([viaRest, viaMcp, viaRaw].some((page) => page.length !== opts.instances)) {
      throw new Error(
        `expected ${opts.instances} instances, REST gave ${viaRest.length}, MCP ${viaMcp.length}, raw MCP ${viaRaw.length}`,
      );
    }
    const restSide: Side = { latencies: [], seconds: 0 };
    const mcpSide: Side = { latencies: [], seconds: 0 };
    const rawSide: Side = { latencies: [], seconds: 0 };
    await timed({ latencies: [], seconds: 0 }, opts.warmup, rest);
    await timed({ latencies: [], seconds: 0 }, opts.warmup, mcp);
    await timed({ latencies: [], seconds: 0 }, opts.warmup, raw);
    const per = Math.ceil(opts.calls / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      await timed(restSide, per, rest);
      await timed(mcpSide, per, mcp);
      await timed(rawSide, per, raw);
    }
    const a = summary(restSide);
    const b = summary(mcpSide);
    const c = summary(rawSide);
    const p50Ratio = b.p50 / a.p50;
    const rateRatio = a.perSecond / b.perSecond;
    const ok = p50Ratio <= TARGET_RATIO && rateRatio <= TARGET_RATIO && b.p50 <= TARGET_P50_MS;
    process.stderr.write(
      `bench: mcp ${TOOL} (${opts.instances} rows): p50 ${b.p50.toFixed(2)} ms vs REST ${a.p50.toFixed(2)} ms ` +
        `(${p50Ratio.toFixed(2)}×), ${b.perSecond.toFixed(0)} vs ${a.perSecond.toFixed(0)} calls/s ` +
        `(REST/MCP ${rateRatio.toFixed(2)}×): ${ok ? "within" : "OVER"} target (≤ ${TARGET_RATIO}×, p50 ≤ ${TARGET_P50_MS} ms); ` +
        `raw JSON-RPC p50 ${c.p50.toFixed(2)} ms (${(c.p50 / a.p50).toFixed(2)}×), ${c.perSecond.toFixed(0)} calls/s\n`,
    );
    const what = `mcp tools/call ${TOOL} (${opts.instances} rows)`;
    const flag = (within: boolean) => (within ? "ok" : "OVER");
    return [
      ...sideRows(backend.name, `${what}, SDK Client`, b, a, {
        p50: ` [≤${TARGET_RATIO}×, ≤${TARGET_P50_MS} ms: ${flag(p50Ratio <= TARGET_RATIO && b.p50 <= TARGET_P50_MS)}]`,
        perSecond: ` [≥${(1 / TARGET_RATIO).toFixed(2)}×: ${flag(rateRatio <= TARGET_RATIO)}]`,
      }),
      ...sideRows(backend.name, `${what}, raw JSON-RPC fetch`, c, a, {}),
    ];
  } finally {
    await client.close().catch(() => {});
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
