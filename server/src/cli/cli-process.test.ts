// End to end: the `nodepilot` executable as a child process against a real server on an ephemeral
// port — table and JSON output, a field-named 400, help, usage exit codes, and the token file rules.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerType, serve } from "@hono/node-server";
import { fleet_events, node_instances, nodes, tasks } from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { commandGroups } from "./catalog-commands.ts";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, "../../bin/nodepilot.mjs");

let fleet: TestFleet;
let server: ServerType;
let url: string;
let templateId: string;
let nodeId: string;
let tokenDir: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Start the CLI with only the variables given (no inherited NODEPILOT_*, PORT or DATABASE_URL). */
function startCli(args: string[], extraEnv: Record<string, string> = {}) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("NODEPILOT_") && k !== "PORT" && k !== "DATABASE_URL"),
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...base, NODEPILOT_URL: url, ...extraEnv },
    cwd: tokenDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const done = new Promise<CliResult>((ok, fail) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (code) => ok({ code, stdout, stderr }));
  });
  return { child, done };
}

const cli = (args: string[], extraEnv: Record<string, string> = {}) => startCli(args, extraEnv).done;

const withToken = (): Record<string, string> => ({ NODEPILOT_TOKEN: fleet.tokens.admin });

async function counts() {
  const db = fleet.runtime.database.db;
  const [n] = await db.select({ c: count() }).from(nodes).where(eq(nodes.account_id, fleet.runtime.accountId));
  const [e] = await db
    .select({ c: count() })
    .from(fleet_events)
    .where(eq(fleet_events.account_id, fleet.runtime.accountId));
  return { nodes: n!.c, events: e!.c };
}

beforeAll(async () => {
  fleet = await createTestFleet();
  templateId = await fleet.createTemplate("base");
  const created = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "edge-cli", node_template_id: templateId, config: { labels: { site: "ams" } } },
  });
  expect(created.status).toBe(201);
  nodeId = created.body.data.id;
  server = serve({ fetch: fleet.runtime.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((ok, fail) => {
    if (server.listening) ok();
    server.once("listening", () => ok());
    server.once("error", fail);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenDir = mkdtempSync(join(tmpdir(), "nodepilot-cli-"));
});

afterAll(async () => {
  if (server) await new Promise<void>((ok) => server.close(() => ok()));
  await fleet?.close();
  if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
});

describe("nodepilot CLI as a process", () => {
  it("node list --json prints the raw response", async () => {
    const res = await cli(["node", "list", "--json"], withToken());
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const body = JSON.parse(res.stdout);
    expect(body.meta).toMatchObject({ count: 1, has_more: false, next_cursor: null });
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ id: nodeId, name: "edge-cli", config: { labels: { site: "ams" } } });
  });

  it("node list prints a table of a readable subset of columns", async () => {
    const res = await cli(["node", "list"], withToken());
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ENABLED\s.*CREATED_AT$/);
    expect(lines[0]).not.toContain("SSH_PUBLIC_KEY");
    expect(lines[1]).toMatch(
      new RegExp(`^${nodeId}\\s+edge-cli\\s+true\\s.*\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z$`),
    );
  });

  it("node get <id> prints key/value rows", async () => {
    const res = await cli(["node", "get", nodeId], withToken());
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^id\\s+${nodeId}$`, "m"));
    expect(res.stdout).toMatch(/^config\.labels\.site\s+ams$/m);
  });

  it("a 400 names the field on stderr, exits 1 and writes nothing", async () => {
    const before = await counts();
    const res = await cli(["node", "create", "--name", "edge-bad", "--node-template-id", "not-a-uuid"], withToken());
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/^error: invalid_input: /m);
    expect(res.stderr).toMatch(/^ {2}node_template_id: must be a UUID$/m);
    expect(await counts()).toEqual(before);
  });

  it("--help lists every resource with its verbs", async () => {
    const res = await cli(["--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ {2}node\s+create, get, list, update, delete\b/m);
    // Long verb lists wrap at the terminal width; compare with whitespace collapsed.
    const flat = res.stdout.replace(/\s+/g, " ");
    for (const [resource, ops] of commandGroups(fleet.runtime.catalog)) {
      const verbs = ops.map((op) => op.name.slice(op.name.lastIndexOf(".") + 1)).join(", ");
      expect(flat, resource).toMatch(new RegExp(` ${resource}(\\|[a-z-]+)? ${verbs} `));
    }
    expect(res.stdout).toMatch(/^ {2}start\s/m);
  });

  it("a usage error exits 2 and says what was wrong", async () => {
    const res = await cli(["node", "list", "--limit", "lots"], withToken());
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--limit <n>");
    expect(res.stderr).toContain("expected a number");
  });

  it("reads the admin-token file only when it is private (mode 0600)", async () => {
    const dataDir = join(tokenDir, "data");
    rmSync(dataDir, { recursive: true, force: true });
    const missing = await cli(["node", "list"], { NODEPILOT_DATA_DIR: dataDir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no API token");

    const dir = join(tokenDir, "with-token");
    mkdirSync(dir, { recursive: true });
    const tokenFile = join(dir, "admin-token");
    writeFileSync(tokenFile, `${fleet.tokens.admin}\n`, { mode: 0o644 });
    chmodSync(tokenFile, 0o644);
    const open = await cli(["node", "list"], { NODEPILOT_DATA_DIR: dir });
    expect(open.code).toBe(1);
    expect(open.stdout).toBe("");
    expect(open.stderr).toContain("mode is 0644");
    expect(open.stderr).toContain(`chmod 600 ${tokenFile}`);

    chmodSync(tokenFile, 0o600);
    const ok = await cli(["node", "list", "--json"], { NODEPILOT_DATA_DIR: dir });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).data[0].id).toBe(nodeId);
  });
  it("--wait follows a real task through GET /tasks/:id long-polls until it ends, exit 1 when cancelled", async () => {
    const db = fleet.runtime.database.db;
    const [instance] = await db
      .insert(node_instances)
      .values({ account_id: fleet.runtime.accountId, node_id: nodeId, name: "edge-cli-1", variety: "local" })
      .returning();
    // No agent is connected in the test, so an agent command stays pending until it is cancelled.
    const run = startCli(
      [
        "task",
        "create",
        "--subject-type",
        "node_instance",
        "--subject-id",
        instance!.id,
        "--command",
        "collect_facts",
        "--wait",
        "--json",
      ],
      withToken(),
    );
    let taskId: string | undefined;
    for (let i = 0; i < 200 && !taskId; i++) {
      const [row] = await db.select({ id: tasks.id }).from(tasks).where(eq(tasks.subject_id, instance!.id));
      if (row) taskId = row.id;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(taskId, "the CLI created the task").toBeDefined();
    const cancelled = await fleet.api("POST", `/api/v1/tasks/${taskId}/cancel`, { body: { reason: "test over" } });
    expect(cancelled.status).toBe(200);
    const res = await run.done;
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).data.task).toMatchObject({ id: taskId, status: "pending" });
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines.at(-2)).toBe(`task ${taskId} (collect_facts): cancelled 0%`);
    expect(lines.at(-1)).toBe(`task ${taskId} ended cancelled`);
  });
});
