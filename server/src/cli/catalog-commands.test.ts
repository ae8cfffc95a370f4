// Catalog commands run in process against the real app (fetch routed to app.request): naming,
// request shapes, output, exit codes; and --wait following a task through the long-poll contract.
import { type AnyOperation, buildCatalog } from "@nodepilot/core";
import { fleet_events, nodes } from "@nodepilot/store";
import { Command } from "commander";
import { count, eq } from "drizzle-orm";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { commandGroups, registerCatalogCommands, returnsTask } from "./catalog-commands.ts";
import type { CliIo } from "./cli-io.ts";

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  requests: string[];
}

type Handler = (request: Request) => Response | Promise<Response>;

/** Run `nodepilot <args>` in process with the given catalog, env and HTTP handler. */
async function run(
  catalog: ReturnType<typeof buildCatalog>,
  handler: Handler,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; isTTY?: boolean } = {},
): Promise<Run> {
  const result: Run = { code: 0, stdout: "", stderr: "", requests: [] };
  const io: CliIo = {
    env: opts.env ?? {},
    stdout: (t) => {
      result.stdout += t;
    },
    stderr: (t) => {
      result.stderr += t;
    },
    isTTY: opts.isTTY ?? false,
    fetch: async (input, init) => {
      const request = new Request(input as string, init);
      result.requests.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
      return handler(request);
    },
    setExitCode: (c) => {
      result.code = c;
    },
    exit: (c) => {
      throw new Exit(c);
    },
  };
  const program = new Command("nodepilot").configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerCatalogCommands(program, catalog, io);
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
    result.code = err.code;
  }
  return result;
}

// A task-backed operation; under --wait it is served with the documented task long-poll
// (GET /tasks/:id?wait_seconds=) by a stand-in, so the follow loop is tested on the wire contract
// whatever task operations the catalog has today.
const TASK_ID = "0190a0a0-0000-7000-8000-00000000aaaa";
const probe: AnyOperation = {
  name: "probe.run",
  title: "Run a probe",
  alwaysGated: false,
  description: "Queues a probe task.",
  examples: [
    { phrase: "run the probe", input: { id: "<id>" } },
    { phrase: "probe it", input: { id: "<id>" } },
  ],
  input: z.strictObject({ id: z.string() }),
  output: z.strictObject({ task: z.strictObject({ id: z.string(), status: z.string() }) }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "probe.run",
  idempotent: true,
  principal: "operator",
  returnsSecret: false,
  taskCommand: "probe",
  openWorld: false,
  list: false,
  http: { method: "POST", path: "/probes/:id/run", status: 202 },
  execute: async () => ({ task: { id: TASK_ID, status: "pending" } }),
};

let fleet: TestFleet;
let templateId: string;
let env: NodeJS.ProcessEnv;
const app: Handler = (req) => fleet.runtime.app.request(req);

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
  env = { NODEPILOT_URL: "http://cli.test:9999", NODEPILOT_TOKEN: fleet.tokens.admin };
  templateId = await fleet.createTemplate("base");
});
afterAll(async () => {
  await fleet?.close();
});

describe("catalog commands against the real API", () => {
  it("registers <resource> <verb> for every operator operation, with dashed aliases", async () => {
    const catalog = fleet.runtime.catalog;
    const program = new Command("nodepilot");
    registerCatalogCommands(program, catalog);
    const operators = catalog.operations.filter((op) => op.principal === "operator");
    for (const op of operators) {
      const resource = op.name.slice(0, op.name.lastIndexOf("."));
      const verb = op.name.slice(op.name.lastIndexOf(".") + 1);
      const group = program.commands.find((c) => c.name() === resource);
      expect(group, op.name).toBeDefined();
      const cmd = group!.commands.find((c) => c.name() === verb);
      expect(cmd, op.name).toBeDefined();
      if (resource.includes("_")) expect(group!.aliases()).toContain(resource.replaceAll("_", "-"));
      if (verb.includes("_")) expect(cmd!.aliases()).toContain(verb.replaceAll("_", "-"));
    }
    expect([...commandGroups(catalog).values()].flat().length).toBe(operators.length);
  });

  it("leaves node- and worker-principal operations out of the CLI", () => {
    const heartbeat: AnyOperation = {
      ...probe,
      name: "probe.heartbeat",
      principal: "node",
      http: { method: "POST", path: "/probes/:id/heartbeat", status: 200 },
    };
    const program = new Command("nodepilot");
    registerCatalogCommands(program, buildCatalog([probe, heartbeat]));
    const group = program.commands.find((c) => c.name() === "probe");
    expect(group?.commands.map((c) => c.name())).toEqual(["run"]);
  });

  it("creates with options, lists as a table, gets by positional id, updates and deletes", async () => {
    const created = await run(
      fleet.runtime.catalog,
      app,
      [
        "node",
        "create",
        "--name",
        "cli-one",
        "--node-template-id",
        templateId,
        "--config",
        '{"labels":{"site":"ams"}}',
        "--json",
      ],
      { env },
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.requests).toEqual(["POST /api/v1/nodes"]);
    const node = JSON.parse(created.stdout).data;
    expect(node).toMatchObject({ name: "cli-one", config: { labels: { site: "ams" } }, enabled: true });

    const list = await run(fleet.runtime.catalog, app, ["node", "list", "--name-contains", "cli-", "--limit", "5"], {
      env,
    });
    expect(list.code).toBe(0);
    expect(list.requests).toEqual(["GET /api/v1/nodes?limit=5&name_contains=cli-"]);
    const [header, row] = list.stdout.split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+ENABLED/);
    expect(row).toContain(node.id);
    expect(row).toContain("cli-one");
    expect(row).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);

    const got = await run(fleet.runtime.catalog, app, ["node", "get", node.id], { env });
    expect(got.code).toBe(0);
    expect(got.requests).toEqual([`GET /api/v1/nodes/${node.id}`]);
    expect(got.stdout).toMatch(/^name\s+cli-one$/m);
    expect(got.stdout).toMatch(/^config\.labels\.site\s+ams$/m);

    const updated = await run(
      fleet.runtime.catalog,
      app,
      ["node", "update", node.id, "--no-enabled", "--version", "1", "--json"],
      {
        env,
      },
    );
    expect(updated.code).toBe(0);
    expect(updated.requests).toEqual([`PATCH /api/v1/nodes/${node.id}`]);
    expect(JSON.parse(updated.stdout).data).toMatchObject({ enabled: false, version: 2 });

    const deleted = await run(fleet.runtime.catalog, app, ["node", "delete", node.id, "--json"], { env });
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout).data).toEqual({ id: node.id, deleted: true });
    expect((await fleet.api("GET", `/api/v1/nodes/${node.id}`)).status).toBe(404);
  });

  it("prints a conflict with its reason and exits 1", async () => {
    const node = (
      await fleet.api("POST", "/api/v1/nodes", { body: { name: "cli-stale", node_template_id: templateId } })
    ).body.data;
    const before = await counts();
    const res = await run(
      fleet.runtime.catalog,
      app,
      ["node", "update", node.id, "--description", "x", "--version", "7"],
      { env },
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/^error: conflict \(stale_version\): node cli-stale is at version 1, not 7$/m);
    expect(res.stderr).toMatch(/request id: \S+/);
    expect(await counts()).toEqual(before);
  });

  it("names the failing field of a 400 on stderr, exits 1 and writes nothing", async () => {
    const before = await counts();
    const res = await run(
      fleet.runtime.catalog,
      app,
      ["node", "create", "--name", "Bad Name", "--node-template-id", templateId],
      {
        env,
      },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: invalid_input: /m);
    expect(res.stderr).toMatch(/^ {2}name: must be lower-case/m);
    expect(await counts()).toEqual(before);
  });

  it("treats bad or missing arguments as usage errors (exit 2) without calling the server", async () => {
    const cases = [
      ["node", "list", "--limit", "many"],
      ["node", "create", "--name", "x"],
      ["node", "get"],
      ["node", "list", "--bogus"],
      ["node", "frobnicate"],
      ["node"],
      ["node", "list", "--url", "ftp://example"],
    ];
    for (const args of cases) {
      const res = await run(fleet.runtime.catalog, app, args, { env });
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.requests, args.join(" ")).toEqual([]);
    }
    const missing = await run(fleet.runtime.catalog, app, ["node", "create", "--name", "x"], { env });
    expect(missing.stderr).toContain("missing required option --node-template-id");
  });

  it("accepts dashes for underscores in resource and verb names", async () => {
    const op = fleet.runtime.catalog.operations.find(
      (o) => o.principal === "operator" && o.name.includes("_") && o.effect === "read",
    );
    expect(op, "the catalog has a read operation with an underscore in its name").toBeDefined();
    const [resource, verb] = [
      op!.name.slice(0, op!.name.lastIndexOf(".")),
      op!.name.slice(op!.name.lastIndexOf(".") + 1),
    ];
    const res = await run(
      fleet.runtime.catalog,
      app,
      [resource.replaceAll("_", "-"), verb.replaceAll("_", "-"), "--help"],
      {
        env,
      },
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Usage: nodepilot ${resource} ${verb}`);
    expect(res.stdout).toContain(op!.title);
  });

  it("explains an invalid token", async () => {
    const res = await run(fleet.runtime.catalog, app, ["node", "list"], {
      env: { ...env, NODEPILOT_TOKEN: "npt_nope" },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: unauthenticated/m);
    expect(res.stderr).toContain("NODEPILOT_TOKEN");
  });
});

describe("--wait", () => {
  const catalog = buildCatalog([probe]);

  function standIn(states: { status: string; progress: number; error_code?: string; error_message?: string }[]) {
    const polls: string[] = [];
    const hono = new Hono();
    hono.post("/api/v1/probes/:id/run", (c) =>
      c.json({ data: { task: { id: TASK_ID, status: "pending", progress: 0 } } }, 202),
    );
    hono.get("/api/v1/tasks/:id", (c) => {
      polls.push(c.req.query("wait_seconds") ?? "");
      const state = states[Math.min(polls.length - 1, states.length - 1)]!;
      return c.json({ data: { id: c.req.param("id"), command: "probe", ...state } });
    });
    return { handler: (req: Request) => hono.request(req), polls };
  }

  it("follows the task to failure with progress lines on stderr and exits 1", async () => {
    const server = standIn([
      { status: "running", progress: 40 },
      { status: "failed", progress: 40, error_code: "probe_failed", error_message: "no route to host" },
    ]);
    const res = await run(catalog, server.handler, ["probe", "run", "p-1", "--wait", "--json"], { env });
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).data.task.id).toBe(TASK_ID);
    expect(server.polls).toEqual(["10", "10"]);
    expect(res.stderr.split("\n")).toEqual([
      `task ${TASK_ID} (probe): running 40%`,
      `task ${TASK_ID} (probe): failed 40%`,
      `task ${TASK_ID} ended failed: probe_failed: no route to host`,
      "",
    ]);
  });

  it("waits by default on a terminal and exits 0 when the task succeeds", async () => {
    const server = standIn([{ status: "succeeded", progress: 100 }]);
    const res = await run(catalog, server.handler, ["probe", "run", "p-1"], { env, isTTY: true });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^task\.id\s+0190a0a0-0000-7000-8000-00000000aaaa$/m);
    expect(res.stderr).toBe(`task ${TASK_ID} (probe): succeeded 100%\n`);
  });

  it("does not follow with --no-wait, nor by default off a terminal", async () => {
    for (const [args, isTTY] of [
      [["probe", "run", "p-1", "--no-wait"], true],
      [["probe", "run", "p-1"], false],
    ] as const) {
      const server = standIn([{ status: "succeeded", progress: 100 }]);
      const res = await run(catalog, server.handler, [...args], { env, isTTY });
      expect(res.code).toBe(0);
      expect(server.polls).toEqual([]);
      expect(res.requests).toEqual(["POST /api/v1/probes/p-1/run"]);
    }
  });

  it("offers --wait only where a task can come back", () => {
    expect(returnsTask(probe)).toBe(true);
    for (const op of fleet.runtime.catalog.operations.filter((o) => o.effect === "read"))
      expect(returnsTask(op)).toBe(false);
    expect(returnsTask(fleet.runtime.catalog.get("node.create")!)).toBe(false);
  });
});
