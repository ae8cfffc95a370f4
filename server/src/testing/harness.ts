// Test fleet: a real runtime (PGlite in memory, or the machine's PostgreSQL when
// NODEPILOT_TEST_DATABASE_URL is set), a fresh account per fleet, tokens per role, and an in-process
// HTTP client (Hono's app.request) that goes through the same routes as production.
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_SCOPES, issueToken, type Logger } from "@nodepilot/core";
import { node_platforms, node_templates, users } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { loadConfig } from "../config.ts";
import { dropRedisPrefixes } from "../jobs/test-support.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { killSandboxes } from "./kill-sandboxes.ts";

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestFleet {
  runtime: Runtime;
  tokens: { admin: string; writer: string; reader: string };
  api<T = any>(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResult<T>>;
  /** A node template on the account's seeded platform, inserted directly; returns its id. */
  createTemplate(name: string): Promise<string>;
  /** Stops the runtime, kills every local instance it created (supervisor, workload and whatever that started) and removes the data directory. */
  close(): Promise<void>;
}

// One master key for every test fleet: platform-wide rows (the agent listener's CA) are shared by all
// fleets on one PostgreSQL test database, and each fleet must be able to open them.
const TEST_MASTER_KEY = createHash("sha256").update("nodepilot test master key").digest();

export const testDatabaseUrl = () => process.env.NODEPILOT_TEST_DATABASE_URL || undefined;
export const onPostgres = () => testDatabaseUrl() !== undefined;

const quietLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error(msg, data) {
    if (process.env.NODEPILOT_TEST_LOGS) process.stderr.write(`${msg} ${JSON.stringify(data)}\n`);
  },
};

export interface TestFleetOptions {
  poolSize?: number;
  startRunners?: boolean;
  /**
   * What a local instance runs: the real on-node agent (needs `runtime.startAgentApi`), or an idle
   * workload for suites that play the agent themselves through `recordHeartbeat`.
   */
  localWorkload?: "agent" | "idle";
  /**
   * Run the job system (off by default, so suites stay deterministic): scoped to the fleet's account
   * on a queue of its own, on BullMQ when NODEPILOT_TEST_REDIS_URL is set.
   */
  startJobs?: boolean;
}

export async function createTestFleet(opts: TestFleetOptions = {}): Promise<TestFleet> {
  const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-test-"));
  const url = testDatabaseUrl();
  const config = loadConfig({
    NODEPILOT_DATA_DIR: dataDir,
    NODEPILOT_ACCOUNT: `test-${randomUUID()}`,
    NODEPILOT_DB_POOL_SIZE: String(opts.poolSize ?? 6),
    ...(url ? { DATABASE_URL: url } : {}),
    ...(opts.startJobs && process.env.NODEPILOT_TEST_REDIS_URL
      ? { REDIS_URL: process.env.NODEPILOT_TEST_REDIS_URL }
      : {}),
  });
  const jobQueue = `test-${randomUUID()}`;
  const runtime = await createRuntime({
    config,
    logger: quietLogger,
    masterKey: TEST_MASTER_KEY,
    inMemory: !url,
    writeAdminToken: false,
    ...(opts.startRunners === undefined ? {} : { startRunners: opts.startRunners }),
    ...(opts.localWorkload === undefined ? {} : { localWorkload: opts.localWorkload }),
    jobs: opts.startJobs ? { accountOnly: true, queue: jobQueue, pollMs: 50 } : false,
  });
  const db = runtime.database.db;
  const expiresAt = new Date(Date.now() + 86400_000);
  const user = async (role: "operator" | "viewer") => {
    const [u] = await db
      .insert(users)
      .values({ account_id: runtime.accountId, email: `${role}-${randomUUID()}@test`, display_name: role, role })
      .returning();
    return u!.id;
  };
  const admin = await issueToken(db, {
    accountId: runtime.accountId,
    userId: runtime.ownerUserId,
    name: "test admin",
    scopes: [...ALL_SCOPES],
    expiresAt,
  });
  const writer = await issueToken(db, {
    accountId: runtime.accountId,
    userId: await user("operator"),
    name: "test writer",
    scopes: ["fleet:write", "autonomy:write"],
    expiresAt,
  });
  const reader = await issueToken(db, {
    accountId: runtime.accountId,
    userId: await user("viewer"),
    name: "test reader",
    scopes: ["fleet:read", "autonomy:read"],
    expiresAt,
  });
  const tokens = { admin: admin.plaintext, writer: writer.plaintext, reader: reader.plaintext };
  return {
    runtime,
    tokens,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const token = o.token === undefined ? tokens.admin : o.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await runtime.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Non-JSON bodies (HTML, text/plain) are returned as text.
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async createTemplate(name) {
      const [platform] = await db.select().from(node_platforms).where(eq(node_platforms.account_id, runtime.accountId));
      const [t] = await db
        .insert(node_templates)
        .values({ account_id: runtime.accountId, name, node_platform_id: platform!.id })
        .returning();
      return t!.id;
    },
    async close() {
      try {
        await runtime.stop();
      } finally {
        // Local instances outlive their runtime by design; a test's must not outlive the test.
        await killSandboxes(join(dataDir, "instances"));
        rmSync(dataDir, { recursive: true, force: true });
        if (config.REDIS_URL) await dropRedisPrefixes(config.REDIS_URL, [jobQueue]);
      }
    },
  };
}
