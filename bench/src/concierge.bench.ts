// Concierge benchmark (issue 6): the offline model's time to first token and to the full answer for
// "which instances are silent?" over the real chat route (POST /api/v1/conversations/:id/messages,
// an AI SDK UI message stream over localhost TCP), next to the REST read the answer is made from
// (GET /api/v1/node_instances?silent=true) in the same run; and approve → action applied: a gated
// node.update from POST /api/v1/actions, approved by a second person, until approval_request.get shows
// it applied, next to the same change made directly (PATCH /api/v1/nodes/:id). Medians of 20 runs.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { ALL_SCOPES, issueToken, type Logger } from "@nodepilot/core";
import { createRuntime, loadConfig, type Runtime } from "@nodepilot/server";
import { node_platforms, node_templates, users } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import type { Backend } from "./backends.ts";
import { percentile, type Row } from "./stats.ts";

export interface ConciergeBenchOptions {
  /** Timed runs of each measurement (the issue asks for the median over 20). */
  runs: number;
  warmup: number;
}

const QUESTION = "which instances are silent?";
const SILENT = 4;

const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (m, d) => process.stderr.write(`${m} ${JSON.stringify(d)}\n`),
};

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

interface Client {
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON replies of several routes, checked where they are used
  call<T = any>(method: string, path: string, token: string, body?: unknown): Promise<T>;
}

function client(url: string): Client {
  return {
    url,
    async call(method, path, token, body) {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 400)}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
}

/** Instances on one node: SILENT of them running with a heartbeat 10 minutes old, the rest fresh. */
async function seed(runtime: Runtime, api: Client, token: string): Promise<string> {
  const db = runtime.database.db;
  const [platform] = await db.select().from(node_platforms).where(eq(node_platforms.account_id, runtime.accountId));
  const [template] = await db
    .insert(node_templates)
    .values({ account_id: runtime.accountId, name: "bench-concierge", node_platform_id: platform!.id })
    .returning();
  const node = (await api.call("POST", "/nodes", token, { name: "bench-chat", node_template_id: template!.id })).data;
  await runtime.database.pool.query(
    `INSERT INTO node_instances (id, account_id, node_id, name, variety, status, last_heartbeat_at, created_at)
     SELECT gen_random_uuid(), $1, $2, 'chat-' || g, 'physical', 'running',
            now() - (CASE WHEN g <= $3 THEN 600 ELSE 5 END || ' s')::interval, now() - (g || ' s')::interval
     FROM generate_series(1, 12) g`,
    [runtime.accountId, node.id, SILENT],
  );
  return node.id as string;
}

/** One chat turn: ms to the first text-delta and to the end of the stream, and the text. */
async function turn(api: Client, token: string): Promise<{ first: number; full: number; text: string }> {
  const conv = (await api.call("POST", "/conversations", token, {})).data;
  const t0 = performance.now();
  const res = await fetch(`${api.url}/api/v1/conversations/${conv.id}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ text: QUESTION }),
  });
  if (res.status !== 200 || !res.body) throw new Error(`chat turn → ${res.status}: ${await res.text()}`);
  let first = Number.NaN;
  let text = "";
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const bytes of res.body) {
    buffer += decoder.decode(bytes as Uint8Array, { stream: true });
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
      const data = event.replace(/^data: /, "");
      if (!data.startsWith("{")) continue;
      const chunk = JSON.parse(data) as { type: string; delta?: string; errorText?: string };
      if (chunk.type === "error") throw new Error(`chat turn error: ${chunk.errorText}`);
      if (chunk.type === "text-delta") {
        if (Number.isNaN(first)) first = performance.now() - t0;
        text += chunk.delta ?? "";
      }
    }
  }
  const full = performance.now() - t0;
  await api.call("DELETE", `/conversations/${conv.id}`, token);
  return { first, full, text };
}

async function approveToApplied(api: Client, owner: string, reviewer: string, nodeId: string, i: number) {
  const asked = (await api.call("POST", "/actions", owner, {
    operation: "node.update",
    input: { id: nodeId, description: `gated change ${i}` },
  })) as { data: { status: string; approval_request_id: string; action_digest: string } };
  if (asked.data.status !== "pending_approval") throw new Error(`node.update was not gated: ${JSON.stringify(asked)}`);
  const id = asked.data.approval_request_id;
  const t0 = performance.now();
  await api.call("POST", `/autonomy/approval_requests/${id}/approve`, reviewer, {
    payload_hash: asked.data.action_digest,
  });
  for (;;) {
    const r = (await api.call("GET", `/autonomy/approval_requests/${id}`, reviewer)).data;
    if (r.execution_status === "applied") return performance.now() - t0;
    if (r.execution_status && r.execution_status !== "executing") {
      throw new Error(`approved call ended ${r.execution_status}: ${JSON.stringify(r.execution_result)}`);
    }
    if (performance.now() - t0 > 30_000) throw new Error(`approved call ${id} not applied after 30 s`);
    await new Promise((ok) => setTimeout(ok, 2));
  }
}

export async function benchConcierge(backend: Backend, opts: ConciergeBenchOptions): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-bench-concierge-"));
  const shared = backend.runtime.config.DATABASE_URL;
  const runtime = await createRuntime({
    config: loadConfig({
      NODEPILOT_DATA_DIR: dataDir,
      NODEPILOT_DB_POOL_SIZE: "10",
      ...(shared ? { DATABASE_URL: shared, NODEPILOT_ACCOUNT: `bench-concierge-${randomUUID().slice(0, 8)}` } : {}),
    }),
    logger: quiet,
    masterKey: randomBytes(32),
    writeAdminToken: false,
    startRunners: false,
  });
  const server = createServer(getRequestListener(runtime.app.fetch));
  try {
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(0, "127.0.0.1", ok);
    });
    const api = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const db = runtime.database.db;
    const expiresAt = new Date(Date.now() + 3600_000);
    const owner = (
      await issueToken(db, {
        accountId: runtime.accountId,
        userId: runtime.ownerUserId,
        name: "bench-owner",
        scopes: [...ALL_SCOPES],
        expiresAt,
      })
    ).plaintext;
    const [second] = await db
      .insert(users)
      .values({ account_id: runtime.accountId, email: "reviewer@bench", display_name: "Reviewer", role: "admin" })
      .returning();
    const reviewer = (
      await issueToken(db, {
        accountId: runtime.accountId,
        userId: second!.id,
        name: "bench-reviewer",
        scopes: [...ALL_SCOPES],
        expiresAt,
      })
    ).plaintext;
    const nodeId = await seed(runtime, api, owner);

    const restRead = async () => {
      const t0 = performance.now();
      const page = (await api.call("GET", "/node_instances?silent=true", owner)) as { data: unknown[] };
      if (page.data.length !== SILENT)
        throw new Error(`expected ${SILENT} silent instances, REST gave ${page.data.length}`);
      return performance.now() - t0;
    };
    const check = await turn(api, owner);
    if (!check.text.includes(`${SILENT} instances`)) {
      throw new Error(
        `the offline model's answer does not list the ${SILENT} silent instances: ${check.text.slice(0, 400)}`,
      );
    }
    for (let i = 0; i < opts.warmup; i++) {
      await restRead();
      await turn(api, owner);
    }
    const firsts: number[] = [];
    const fulls: number[] = [];
    const reads: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      reads.push(await restRead());
      const t = await turn(api, owner);
      firsts.push(t.first);
      fulls.push(t.full);
    }

    await api.call("POST", "/autonomy/policies", owner, {
      scope: "global",
      action_category: "node.update",
      actor_type: "user",
      policy: "require_approval",
    });
    const direct = async (i: number) => {
      const t0 = performance.now();
      await api.call("PATCH", `/nodes/${nodeId}`, owner, { description: `direct change ${i}` });
      return performance.now() - t0;
    };
    for (let i = 0; i < opts.warmup; i++) {
      await direct(i);
      await approveToApplied(api, owner, reviewer, nodeId, -i - 1);
    }
    const applied: number[] = [];
    const directs: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      directs.push(await direct(i));
      applied.push(await approveToApplied(api, owner, reviewer, nodeId, i));
    }
    const row = (metric: string, value: number[], base: number[], label: string): Row => ({
      backend: backend.name,
      metric: `${metric} (median of ${opts.runs})`,
      unit: "ms",
      nodepilot: median(value),
      baseline: median(base),
      better: "lower",
      baselineLabel: label,
    });
    const read = "REST GET silent instances, same run";
    process.stderr.write(
      `bench: concierge offline first token ${median(firsts).toFixed(1)} ms, full answer ${median(fulls).toFixed(1)} ms ` +
        `(REST read ${median(reads).toFixed(2)} ms); approve → applied ${median(applied).toFixed(1)} ms ` +
        `(direct PATCH ${median(directs).toFixed(2)} ms)\n`,
    );
    return [
      row("concierge offline: time to first token", firsts, reads, read),
      row("concierge offline: full answer", fulls, reads, read),
      row("approve → action applied (gated node.update)", applied, directs, "PATCH the same change directly, same run"),
    ];
  } finally {
    await new Promise<void>((ok) => server.close(() => ok()));
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
