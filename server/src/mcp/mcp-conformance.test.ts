// The official MCP conformance suite (@modelcontextprotocol/conformance) against /mcp of a real
// runtime listening on a loopback port: each general server scenario is one run of the suite's CLI,
// on the Node 22 of the `node` devDependency (the suite needs fs.globSync), with a preload that adds
// the bearer token (the CLI cannot send one). The fixtures the scenarios call by name come through
// the runtime's test seam (conformance/fixtures.ts), never from product code. It runs once, on the
// PGlite pass: it checks the protocol surface, which does not depend on the database.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerType, serve } from "@hono/node-server";
import { ALL_SCOPES, issueToken, type Logger } from "@nodepilot/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../config.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { onPostgres } from "../testing/harness.ts";
import { conformanceFixtures } from "./conformance/fixtures.ts";

const SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "resources-list",
  "prompts-list",
  "completion-complete",
  "dns-rebinding-protection",
  "server-sse-polling",
] as const;

const require = createRequire(import.meta.url);
// Both are root devDependencies: the `node` package's Node 22 binary, and the suite's CLI bundle.
const NODE_22 = join(dirname(require.resolve("node/package.json")), "bin/node");
const SUITE = require.resolve("@modelcontextprotocol/conformance/dist/index.js");
const PRELOAD = fileURLToPath(new URL("./conformance/inject-auth.mjs", import.meta.url));
/** Scenarios run this many at a time: each is a Node 22 process of its own. */
const PARALLEL = 3;
/** A scenario takes 1–10 s on a loaded 2-core machine; one still running after this is stuck. */
const SCENARIO_TIMEOUT_MS = 30_000;
/** A lane runs its scenarios one after another: an `it` may wait for the ones before it in its lane. */
const PARALLEL_WAIT_MS = Math.ceil(SCENARIOS.length / PARALLEL) * SCENARIO_TIMEOUT_MS + 10_000;

// What the suite writes to <output-dir>/server-<scenario>-<time>/checks.json.
const Checks = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    status: z.string(),
    errorMessage: z.string().optional(),
  }),
);
type Check = z.infer<typeof Checks>[number];

interface ScenarioRun {
  checks: Check[];
  exitCode: number | null;
  output: string;
  ms: number;
}

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let runtime: Runtime;
let listener: ServerType;
let dataDir: string;
let outDir: string;
let url: string;
let token: string;
const runs = new Map<string, Promise<ScenarioRun>>();
let suiteStarted = 0;

function runScenario(scenario: string): Promise<ScenarioRun> {
  const dir = join(outDir, scenario);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      NODE_22,
      ["--import", PRELOAD, SUITE, "server", "--url", url, "--scenario", scenario, "--output-dir", dir],
      { env: { ...process.env, MCP_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed: still running after ${SCENARIO_TIMEOUT_MS} ms)`;
      child.kill("SIGKILL");
    }, SCENARIO_TIMEOUT_MS);
    let finished = false;
    const finish = (exitCode: number | null) => {
      if (finished) return; // "error" may be followed by "close"
      finished = true;
      clearTimeout(timer);
      let checks: Check[] = [];
      try {
        const [result] = readdirSync(dir);
        checks = Checks.parse(JSON.parse(readFileSync(join(dir, result!, "checks.json"), "utf8")));
      } catch (err) {
        output += `\n(no checks.json: ${err instanceof Error ? err.message : String(err)})`;
      }
      resolve({ checks, exitCode, output, ms: Math.round(performance.now() - started) });
    };
    child.on("error", (err) => {
      // Typically ENOENT: the `node` package's preinstall (which fetches the binary) did not run.
      output += `\n(${NODE_22} did not start: ${err.message})`;
      finish(null);
    });
    child.on("close", finish);
  });
}

/** `tools-list 812 ms: 1 SUCCESS`, with warnings named: they do not fail the test, but are worth seeing. */
function summary(scenario: string, run: ScenarioRun): string {
  const counts = new Map<string, number>();
  for (const c of run.checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const tally = [...counts].map(([status, n]) => `${n} ${status}`).join(", ") || "no checks";
  const warned = run.checks
    .filter((c) => c.status === "WARNING")
    .map((c) => `${c.name}: ${c.errorMessage ?? c.description}`);
  return `  ${scenario} ${run.ms} ms: ${tally}${warned.map((w) => `\n    WARNING ${w}`).join("")}`;
}

/** Starts every scenario, PARALLEL at a time; each `it` awaits its own. */
function startAll() {
  const lanes: Promise<unknown>[] = Array.from({ length: PARALLEL }, () => Promise.resolve());
  SCENARIOS.forEach((s, i) => {
    const lane = i % PARALLEL;
    const run = lanes[lane]!.then(() => runScenario(s));
    lanes[lane] = run;
    runs.set(s, run);
  });
}

describe.skipIf(onPostgres())("MCP conformance suite against /mcp", () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "nodepilot-conformance-"));
    outDir = join(dataDir, "results");
    // Listen first, so the runtime's config carries the real port (the default Origin allow-list is built from it).
    let app: Runtime["app"] | undefined;
    listener = serve({
      fetch: (req) => (app ? app.fetch(req) : new Response("starting", { status: 503 })),
      port: 0,
      hostname: "127.0.0.1",
    });
    await new Promise<void>((ok) => (listener.listening ? ok() : listener.once("listening", ok)));
    const port = (listener.address() as AddressInfo).port;
    runtime = await createRuntime({
      config: loadConfig({
        NODEPILOT_DATA_DIR: dataDir,
        NODEPILOT_ACCOUNT: "conformance",
        HOST: "127.0.0.1",
        PORT: String(port),
      }),
      logger: quietLogger,
      masterKey: Buffer.alloc(32, 7),
      inMemory: true,
      writeAdminToken: false,
      startRunners: false,
      localWorkload: "idle",
      mcpSessionExtras: conformanceFixtures,
    });
    app = runtime.app;
    token = (
      await issueToken(runtime.database.db, {
        accountId: runtime.accountId,
        userId: runtime.ownerUserId,
        name: "conformance",
        scopes: [...ALL_SCOPES],
        expiresAt: new Date(Date.now() + 3600_000),
      })
    ).plaintext;
    url = `http://127.0.0.1:${port}/mcp`;
    suiteStarted = performance.now();
    startAll();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(runs.values());
    if (suiteStarted) {
      const lines = await Promise.all(SCENARIOS.map(async (s) => summary(s, await runs.get(s)!)));
      console.log(`conformance suite, ${Math.round(performance.now() - suiteStarted)} ms:\n${lines.join("\n")}`);
    }
    (listener as Server | undefined)?.closeAllConnections();
    await new Promise((ok) => (listener ? listener.close(ok) : ok(undefined)));
    await runtime?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  for (const scenario of SCENARIOS) {
    it(
      `${scenario}: no check fails`,
      async () => {
        const run = await runs.get(scenario)!;
        expect(run.checks, `the suite wrote no checks (exit ${run.exitCode}):\n${run.output}`).not.toEqual([]);
        const failed = run.checks.filter((c) => c.status === "FAILURE");
        const why = failed.map((c) => `${c.name}: ${c.errorMessage ?? c.description}`).join("\n");
        expect(failed, `${scenario} failed:\n${why}\n\n${run.output}`).toEqual([]);
        expect(run.exitCode, run.output).toBe(0);
      },
      PARALLEL_WAIT_MS,
    );
  }
});
