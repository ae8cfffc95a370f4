// Live events across processes on the machine's PostgreSQL: an event committed through one runtime
// (its own pool) is streamed by a second runtime and by a separate `nodepilot start` process, both
// learning of it through LISTEN/NOTIFY; a listener whose backend is terminated reconnects and
// catches up on what was committed while it was away.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { type EventInput, emitEvents, type Logger, systemPrincipal } from "@nodepilot/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { createTestFleet, onPostgres, type TestFleet, testDatabaseUrl } from "../testing/harness.ts";
import { openSse } from "../testing/sse-client.ts";

const BIN = fileURLToPath(new URL("../../bin/nodepilot.mjs", import.meta.url));
// The harness's master key, so the second runtime and the child can open the fleet's sealed rows.
const MASTER_KEY = createHash("sha256").update("nodepilot test master key").digest();
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let fleet: TestFleet;
let second: Runtime;
let secondServer: ReturnType<typeof serve>;
let secondUrl: string;
let child: ChildProcess | undefined;
const dirs: string[] = [];

async function write(...inputs: EventInput[]): Promise<number[]> {
  const { runtime } = fleet;
  return runtime.database.db.transaction((tx) =>
    emitEvents(
      tx,
      {
        principal: systemPrincipal(runtime.accountId, ["fleet:admin"]),
        source: "api",
        correlationId: null,
        now: new Date(),
      },
      inputs,
    ),
  );
}

/** `nodepilot start` against the same PostgreSQL and account, as a real second process. */
async function startChild(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-events-child-"));
  dirs.push(dataDir);
  child = spawn(process.execPath, [BIN, "start"], {
    env: {
      ...process.env,
      PORT: "0",
      NODEPILOT_AGENT_PORT: "0",
      NODEPILOT_DATA_DIR: dataDir,
      DATABASE_URL: testDatabaseUrl(),
      NODEPILOT_ACCOUNT: fleet.runtime.config.NODEPILOT_ACCOUNT,
      NODEPILOT_MASTER_KEY: MASTER_KEY.toString("base64"),
      NODEPILOT_JOB_QUEUE: `events-child-${process.pid}`,
      // The shared test database holds other suites' accounts: this process's jobs serve only its own.
      NODEPILOT_JOB_SCOPE: "account",
      REDIS_URL: "",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line after 90 s:\n${out}`)), 90_000);
    child!.stdout!.on("data", () => {
      const m = /nodepilot listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child!.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

describe.skipIf(!onPostgres())("live events across processes (PostgreSQL)", () => {
  beforeAll(async () => {
    fleet = await createTestFleet({ startRunners: false });
    const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-events-second-"));
    dirs.push(dataDir);
    second = await createRuntime({
      config: loadConfig({
        NODEPILOT_DATA_DIR: dataDir,
        NODEPILOT_ACCOUNT: fleet.runtime.config.NODEPILOT_ACCOUNT,
        NODEPILOT_DB_POOL_SIZE: "4",
        DATABASE_URL: testDatabaseUrl()!,
      }),
      logger: quiet,
      masterKey: MASTER_KEY,
      writeAdminToken: false,
      startRunners: false,
      jobs: false,
      localWorkload: "idle",
    });
    expect(second.accountId).toBe(fleet.runtime.accountId);
    secondServer = serve({ fetch: second.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((ok) => secondServer.once("listening", () => ok()));
    secondUrl = `http://127.0.0.1:${(secondServer.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    child?.kill("SIGTERM");
    if (secondServer) await new Promise<void>((ok) => secondServer.close(() => ok()));
    await second?.stop();
    await fleet?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("streams, from a second runtime with its own pool, an event committed through the first", async () => {
    const templateId = await fleet.createTemplate("xproc");
    const stream = await openSse(`${secondUrl}/api/v1/events/stream?kind=node.*`, {
      authorization: `Bearer ${fleet.tokens.reader}`,
    });
    const direct = await openSse(`${secondUrl}/api/v1/events/stream?kind=xproc.*`, {
      authorization: `Bearer ${fleet.tokens.reader}`,
    });
    await Promise.all([stream.until("live"), direct.until("live")]);
    // Through the first runtime's REST API: node.create commits node.created with the node.
    const created = await fleet.api("POST", "/api/v1/nodes", {
      body: { name: "xproc-1", node_template_id: templateId },
    });
    expect(created.status).toBe(201);
    const [frame] = await stream.take(1);
    expect(JSON.parse(frame!.data)).toMatchObject({ kind: "node.created", node_id: created.body.data.id });
    // And through the first runtime's pool directly, a batch.
    const seqs = await write({ kind: "xproc.runtime.one" }, { kind: "xproc.runtime.two" });
    expect((await direct.take(2)).map((f) => Number(f.id))).toEqual(seqs);
    stream.close();
    direct.close();
  });

  it("catches up after its listening connection is terminated", async () => {
    const hub = second.events;
    const stream = await openSse(`${secondUrl}/api/v1/events/stream?kind=xdrop.*`, {
      authorization: `Bearer ${fleet.tokens.reader}`,
    });
    await stream.until("live");
    const pid = hub.listenerPid;
    expect(pid).toBeTypeOf("number");
    await fleet.runtime.database.pool.query("SELECT pg_terminate_backend($1)", [pid]);
    for (let i = 0; i < 200 && hub.listening && hub.listenerPid === pid; i++)
      await new Promise((r) => setTimeout(r, 10));
    const whileAway = await write({ kind: "xdrop.one" }, { kind: "xdrop.two" });
    const caught = await stream.take(2);
    expect(caught.map((f) => Number(f.id))).toEqual(whileAway);
    expect(hub.listenerPid).not.toBe(pid);
    const [after] = await write({ kind: "xdrop.three" });
    expect((await stream.take(1)).map((f) => Number(f.id))).toEqual([after]);
    stream.close();
  });

  it("streams, from a separate `nodepilot start` process, an event committed here", async () => {
    const url = await startChild();
    const stream = await openSse(`${url}/api/v1/events/stream?kind=xchild.*`, {
      authorization: `Bearer ${fleet.tokens.reader}`,
    });
    expect(stream.status).toBe(200);
    await stream.until("live");
    const [seq] = await write({ kind: "xchild.one", severity: "high" });
    const [frame] = await stream.take(1);
    expect(Number(frame?.id)).toBe(seq);
    expect(JSON.parse(frame!.data)).toMatchObject({ kind: "xchild.one", severity: "high" });
    stream.close();
  }, 120_000);
});
