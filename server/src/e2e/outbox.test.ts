// The agent's durable outbox against the real mTLS listener: events queued while the listener is
// down (more than the outbox holds) are kept across the outage, the running agent service delivers
// the survivors in order once the listener is back, and a task report that failed on the network is
// resent from the journal with the same completion_id until the platform acknowledges it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AGENT_VERSION,
  defaultHandlers,
  enroll,
  type NodePki,
  Outbox,
  PlatformClient,
  readOutbox,
  runAgent,
  type StatePaths,
  statePaths,
  type TaskHandler,
  TaskJournal,
  TaskLoop,
} from "@nodepilot/agent";
import { issueBootstrapToken, systemPrincipal } from "@nodepilot/core";
import { AGENT_EVENT_KINDS } from "@nodepilot/core/agent-protocol";
import { node_instances, tasks } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corePki } from "../agent-api/core-pki.ts";
import { type AgentListener, startAgentListener } from "../agent-api/listener.ts";
import { insertInstance } from "../rest/task-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

const WAIT_MS = 45_000;
const OUTBOX_KINDS = new Set<string>(AGENT_EVENT_KINDS);

let fleet: TestFleet;
let listener: AgentListener;
let stateRoot: string;

async function waitFor<T>(what: string, read: () => Promise<T> | T, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}

/** Stops the listener, as an outage; `restart` brings it back on the same port with the same CA. */
async function stopListener() {
  await listener.close();
}
async function restartListener() {
  const { services } = fleet.runtime;
  listener = await startAgentListener({
    services,
    logger: services.logger,
    pki: corePki(services),
    dataDir: fleet.runtime.config.NODEPILOT_DATA_DIR,
    host: fleet.runtime.config.HOST,
    port: listener.port,
  });
}

/** A fresh instance enrolled by the agent's own enroll() into its own state directory. */
async function enrolledAgent(name: string): Promise<{ instanceId: string; paths: StatePaths; pki: NodePki }> {
  const db = fleet.runtime.database.db;
  const { nodeId, instanceId } = await insertInstance(fleet);
  await db.update(node_instances).set({ status: "provisioning" }).where(eq(node_instances.id, instanceId));
  const now = new Date();
  const token = await issueBootstrapToken(
    db,
    {
      principal: systemPrincipal(fleet.runtime.accountId, ["fleet:admin"]),
      source: "system",
      correlationId: null,
      now,
    },
    { accountId: fleet.runtime.accountId, nodeId, instanceId, purpose: "enroll", now },
  );
  const paths = statePaths(join(stateRoot, name));
  const { pki } = await enroll({
    identity: {
      instance_id: instanceId,
      bootstrap_token: token.plaintext,
      platform_url: listener.url,
      ca_bundle_pem: listener.caPem,
      architecture: "amd64",
      source: "files",
      discovered_at: now.toISOString(),
    },
    paths,
  });
  return { instanceId, paths, pki };
}

/** The outbox events of one instance (not its enrollment's), oldest first by seq, 200 a page. */
async function instanceEvents(instanceId: string) {
  const out: { id: string; seq: number; kind: string; severity: string; source: string; subject_id: string }[] = [];
  for (let after = 0; ; ) {
    const res = await fleet.api("GET", `/api/v1/events?node_instance_id=${instanceId}&after_seq=${after}&limit=200`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    out.push(...res.body.data.filter((e: { kind: string }) => OUTBOX_KINDS.has(e.kind)));
    if (res.body.data.length < 200) return out;
    after = res.body.data.at(-1).seq;
  }
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  listener = await fleet.runtime.startAgentApi(0);
  stateRoot = await mkdtemp(join(tmpdir(), "np-outbox-e2e-"));
}, 60_000);
afterAll(async () => {
  await listener?.close();
  await fleet?.close();
  await rm(stateRoot, { recursive: true, force: true });
});

describe("events queued during an outage", () => {
  // Two outages and reconnect backoff: slow on a loaded 2-core machine, so more than the 60 s default.
  it("fill the outbox while the listener is down and drain in order once it is back", {
    timeout: 150_000,
  }, async () => {
    const agent = await enrolledAgent("events");
    await stopListener();

    // More than the outbox holds: lows are dropped oldest first, every high survives.
    const box = await Outbox.open(agent.paths.outbox, { maxEntries: 1000 });
    const highIds: string[] = [];
    for (let k = 0; k < 12; k++) {
      const queued = await box.append(
        Array.from({ length: 100 }, (_, j) => {
          const i = k * 100 + j;
          return i % 10 === 0
            ? { kind: "module.verify_failed" as const, severity: "high" as const, payload: { i } }
            : { kind: "module.fetch_failed" as const, payload: { i } };
        }),
      );
      highIds.push(...queued.filter((e) => e.severity === "high").map((e) => e.id));
    }
    expect(box.dropped).toBeGreaterThan(0);
    await box.close();
    const queued = (await readOutbox(agent.paths.outbox)).entries.map((e) => e.event);
    expect(queued.length).toBeLessThanOrEqual(1000);
    expect(queued.map((e) => e.id)).toEqual(expect.arrayContaining(highIds));
    expect(queued.some((e) => e.kind === "agent.events_dropped")).toBe(true);

    // The real service starts while the platform is still unreachable: it keeps everything.
    const stop = new AbortController();
    const logs: string[] = [];
    const service = runAgent({
      paths: agent.paths,
      heartbeatSeconds: 5,
      cmdlinePath: join(stateRoot, "no-cmdline"),
      log: (m) => logs.push(m),
      signal: stop.signal,
    });
    try {
      await waitFor(
        "a failed delivery",
        () => logs.filter((l) => l.startsWith("outbox:")).length,
        (n) => n > 0,
      );
      expect((await readOutbox(agent.paths.outbox)).entries).toHaveLength(queued.length);
      expect(await instanceEvents(agent.instanceId)).toEqual([]);

      await restartListener();
      const delivered = await waitFor(
        "every queued event on the platform",
        () => instanceEvents(agent.instanceId),
        (evs) => evs.length >= queued.length,
      );
      // Exactly the survivors, in the order they were queued, about this instance, from the agent.
      expect(delivered.map((e) => e.id)).toEqual(queued.map((e) => e.id));
      for (const e of delivered) {
        expect(e).toMatchObject({ source: "agent", subject_id: agent.instanceId });
      }
      expect(delivered.filter((e) => e.severity === "high").map((e) => e.id)).toEqual(highIds);
      await waitFor(
        "an empty outbox",
        async () => (await readOutbox(agent.paths.outbox)).entries.length,
        (n) => n === 0,
      );
    } finally {
      stop.abort();
      expect(await service).toBe(0);
    }
    // The dropped count outlives delivery, for the heartbeat's dropped_events.
    expect((await readOutbox(agent.paths.outbox)).counters.dropped).toBeGreaterThan(0);
  });
});

describe("a task report lost to the network", () => {
  it("is resent from the journal with the same completion_id until acknowledged", async () => {
    const agent = await enrolledAgent("reports");
    const res = await fleet.api("POST", "/api/v1/tasks", {
      body: { subject_type: "node_instance", subject_id: agent.instanceId, command: "collect_facts" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const taskId: string = res.body.data.task.id;

    // collect_facts, held until the listener is down, so its report meets the outage.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const real = defaultHandlers({ currentBootId: () => "boot", onRebootRequested: () => {} }).get("collect_facts")!;
    const held: TaskHandler = {
      ...real,
      run: async (ctx) => {
        await gate;
        return real.run(ctx);
      },
    };
    const client = new PlatformClient({
      platformUrl: listener.url,
      caBundlePem: agent.pki.caBundlePem,
      agentVersion: AGENT_VERSION,
      credentials: { keyPem: agent.pki.keyPem, certPem: agent.pki.certPem },
    });
    const journal = new TaskJournal(agent.paths.journal);
    await journal.load();
    const logs: string[] = [];
    const loop = new TaskLoop({
      client,
      journal,
      paths: agent.paths,
      maxConcurrent: 1,
      log: (m) => logs.push(m),
      handlers: new Map([["collect_facts", held]]),
    });
    try {
      expect(await loop.tick()).toBe(1);
      await waitFor(
        "the task running",
        () => journal.get(taskId)?.phase,
        (p) => p === "running",
      );
      await stopListener();
      release();
      await loop.idle();
      const kept = journal.get(taskId);
      expect(kept).toMatchObject({ phase: "reporting", outcome: { kind: "complete" } });
      expect(logs.join("\n")).toMatch(/kept for retry/);
      const completionId = kept!.completion_id;
      expect(completionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(loop.pendingReports()).toBe(1);
      // The waiting report's lease rides on the heartbeat until it is delivered.
      expect(loop.activeLeases()).toEqual([{ task_id: taskId, lease_id: kept!.lease_id }]);

      // Still down: another attempt keeps it, same completion id.
      await expect(loop.tick()).rejects.toThrow();
      expect(journal.get(taskId)?.completion_id).toBe(completionId);

      await restartListener();
      await loop.tick();
      expect(journal.get(taskId)).toBeUndefined();
      const [row] = await fleet.runtime.database.db.select().from(tasks).where(eq(tasks.id, taskId));
      expect(row).toMatchObject({ status: "succeeded", completion_id: completionId });
    } finally {
      release();
      client.close();
    }
  });
});
