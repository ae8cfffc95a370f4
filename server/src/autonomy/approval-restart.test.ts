// A pending approval survives a killed server (issue 4 acceptance): `nodepilot start` runs a real
// local instance with the real agent; the agent is frozen (SIGSTOP) until the instance is silent; a
// manual tick pauses the gate graph on the approval; the server is SIGKILLed; a new server on the
// same data directory takes the approval over REST and resumes the checkpointed thread; the agent,
// thawed, runs the reboot. The action happens exactly once, also across one more kill and tick.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sandboxPids } from "@nodepilot/core";
import { afterAll, describe, expect, it } from "vitest";
import { killSandboxes } from "../testing/kill-sandboxes.ts";

const BIN = fileURLToPath(new URL("../../bin/nodepilot.mjs", import.meta.url));
const WAIT_MS = 90_000;
const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-approval-restart-"));
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await killSandboxes(join(dataDir, "instances")).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let output = "";

async function start(port: number, agentPort: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, "start"], {
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      NODEPILOT_AGENT_PORT: String(agentPort),
      NODEPILOT_DATA_DIR: dataDir,
      DATABASE_URL: "",
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      // The API is what is under test; the web UI would build in the background (web-ui.test.ts covers it).
      NODEPILOT_WEB: "off",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
    output += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
    output += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line after 40 s:\n${out}`)), 40_000);
    child.stdout!.on("data", () => {
      const m = /nodepilot listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  return { child, url };
}

async function kill(child: ChildProcess) {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}\nserver output:\n${output.slice(-4000)}`);
    }
    await sleep(250);
    last = await read();
  }
  return last;
}

describe("a pending approval across a killed server", () => {
  it(
    "resumes the checkpointed gate thread after kill -9 and acts exactly once",
    async () => {
      const [port, agentPort] = [await freePort(), await freePort()];
      let server = await start(port, agentPort);
      const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${server.url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          signal: AbortSignal.timeout(30_000),
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      };

      const platforms = await api("GET", "/node_platforms");
      const template = await api("POST", "/node_templates", {
        name: "restart",
        node_platform_id: platforms.body.data[0].id,
      });
      expect(template.status, JSON.stringify(template.body)).toBe(201);
      const node = await api("POST", "/nodes", { name: "restart-1", node_template_id: template.body.data.id });
      expect(node.status, JSON.stringify(node.body)).toBe(201);
      const created = await api("POST", "/node_instances", { node_id: node.body.data.id, name: "restart-1a" });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const instanceId: string = created.body.data.instance.id;
      const running = await waitFor(
        "the real agent to heartbeat its instance to running",
        async () => (await api("GET", `/node_instances/${instanceId}`)).body.data,
        (i) => i.status === "running",
      );
      const sandbox = join(dataDir, "instances", running.cloud_instance_id);

      // Freeze the machine: its agent stops heartbeating, and the instance turns silent after 3 s.
      expect(
        (await api("PATCH", "/autonomy/sensors/instance_silent", { settings: { silent_threshold_seconds: 3 } })).status,
      ).toBe(200);
      const pids = await sandboxPids(sandbox);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, "SIGSTOP");
      await sleep(4500);
      expect((await api("POST", "/fleet/ticks", {})).status).toBe(202);
      const pending = await waitFor(
        "the gate to pause on an approval for the silent instance",
        async () => (await api("GET", "/autonomy/approval_requests?status=pending")).body.data,
        (rows: { action_category: string; graph_thread_id: string | null }[]) =>
          rows.some((r) => r.action_category === "instance.recover" && r.graph_thread_id),
      );
      const request = pending.find(
        (r: { action_category: string }) => r.action_category === "instance.recover",
      ) as unknown as {
        id: string;
        payload_hash: string;
        action_payload: { target: unknown };
      };
      expect(request.action_payload.target).toEqual({ type: "node_instance", id: instanceId });

      // kill -9 while the approval is pending, and start again on the same data directory.
      await kill(server.child);
      server = await start(port, agentPort);
      const approved = await api("POST", `/autonomy/approval_requests/${request.id}/approve`, {
        payload_hash: request.payload_hash,
      });
      // Four-eyes: the request came from the autonomy agent, so the admin may approve it.
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      const executed = await waitFor(
        "the resumed thread to execute the approved action",
        async () => (await api("GET", `/autonomy/approval_requests/${request.id}`)).body.data,
        (r) => r.execution_status !== null && r.execution_status !== "executing",
      );
      // Say what the execution was when it was not applied: the server log tail and its result.
      if (executed.execution_status !== "applied") {
        console.error("approval execution:", executed.execution_status, JSON.stringify(executed.execution_result));
        console.error(output.slice(-8000));
      }
      expect(executed).toMatchObject({ status: "approved", execution_status: "applied", graph_thread_id: null });
      const taskIds: string[] = executed.execution_result.task_ids;
      expect(taskIds).toHaveLength(1);

      // The machine thaws, leases the reboot and comes back on a new boot.
      for (const pid of pids) process.kill(pid, "SIGCONT");
      const reboot = await waitFor(
        "the agent to complete the reboot",
        async () => (await api("GET", `/tasks/${taskIds[0]}`)).body.data.task,
        (t) => ["succeeded", "failed", "cancelled", "expired"].includes(t.status),
      );
      expect(reboot).toMatchObject({ command: "reboot", status: "succeeded" });

      // Once more: kill, start, tick — nothing runs twice.
      await kill(server.child);
      server = await start(port, agentPort);
      expect((await api("POST", "/fleet/ticks", {})).status).toBe(202);
      await waitFor(
        "a completed tick after the last restart",
        async () => (await api("GET", "/fleet/ticks?limit=1")).body.data,
        (ticks: { status: string; started_at: string }[]) => ticks[0]?.status !== "running" && ticks.length > 0,
      );
      const tasks = await api("GET", `/tasks?subject_id=${instanceId}&command=reboot`);
      expect(tasks.status, JSON.stringify(tasks.body)).toBe(200);
      expect(tasks.body.data.map((t: { id: string }) => t.id)).toEqual(taskIds);
      const executions = await api("GET", "/events?kind=autonomy.approval_executed");
      expect(executions.body.data.filter((e: { subject_id: string }) => e.subject_id === request.id)).toHaveLength(1);
      server.child.kill("SIGTERM");
    },
    4 * WAIT_MS,
  );
});
