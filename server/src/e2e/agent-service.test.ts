// `nodepilot-agent run` (spec/agent.md §5, §6, §10) as a library, in process against the real agent
// listener: its heartbeat moves the provisioned instance to running and wakes its task loop; while
// the listener is away its loops keep retrying and never exit.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { EXIT, runAgent } from "@nodepilot/agent";
import { revokeCertificate, systemPrincipal } from "@nodepilot/core";
import { node_instances, tasks } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { amd64Platform, assignModule, publishModule } from "../agent-api/delivery-fixtures.ts";
import {
  type AgentFleet,
  createAgentFleet,
  createTask,
  type EnrolledMachine,
  enrolledMachine,
  getInstance,
  settledTask,
  switchableListener,
  WAIT_MS,
  waitFor,
} from "./agent-fixture.ts";

let f: AgentFleet;
const stops: AbortController[] = [];
const db = () => f.fleet.runtime.database.db;

/** Starts the service for a machine; `done` settles with its exit code. */
function run(m: EnrolledMachine, opts: { platformUrl?: string } = {}) {
  const stop = new AbortController();
  stops.push(stop);
  const logs: string[] = [];
  const done = runAgent({
    paths: m.paths,
    // The fastest interval the server may ask for; the boot id is the sandbox's own.
    heartbeatSeconds: 5,
    bootIdFile: join(m.dir, "boot_id"),
    signal: stop.signal,
    // Small jitter draws keep the task loop's backoff short (base 1 s · 2^n · 0.1).
    rng: () => 0.1,
    log: (l) => logs.push(l),
    ...opts,
  });
  let exited: number | undefined;
  void done.then((code) => {
    exited = code;
  });
  return { stop, logs, done, exited: () => exited };
}

beforeAll(async () => {
  f = await createAgentFleet();
}, 3 * WAIT_MS);
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});
afterAll(async () => {
  await f?.fleet.close();
});

describe("runAgent", () => {
  it(
    "heartbeats the instance to running with the sandbox's boot id, and runs what is queued",
    async () => {
      const m = await enrolledMachine(f, "service-1");
      const agent = run(m);
      const running = await waitFor(
        "the first heartbeat",
        () => getInstance(f.fleet, m.instanceId),
        (i) => i.status === "running",
      );
      expect(running.last_heartbeat_at).not.toBeNull();
      const [row] = await db().select().from(node_instances).where(eq(node_instances.id, m.instanceId));
      expect(row!.boot_id).toBe((await readFile(join(m.dir, "boot_id"), "utf8")).trim());

      const id = await createTask(f.fleet, m.instanceId, "collect_facts");
      const done = await settledTask(f.fleet, id);
      expect(done.status, JSON.stringify(done)).toBe("succeeded");
      expect(done.result).toMatchObject({ hostname: expect.any(String), memory_mb: expect.any(Number) });

      agent.stop.abort();
      expect(await agent.done).toBe(EXIT.ok);
    },
    2 * WAIT_MS,
  );

  it(
    "keeps retrying with backoff while the listener is away, never exits, and catches up when it returns",
    async () => {
      const m = await enrolledMachine(f, "service-2");
      const away = await switchableListener(f.fleet);
      try {
        const queued = await createTask(f.fleet, m.instanceId, "collect_facts");
        const agent = run(m, { platformUrl: away.url });
        await waitFor(
          "several failed task-loop passes and a failed heartbeat",
          async () => agent.logs,
          (l) => l.filter((x) => x.startsWith("tasks:")).length >= 3 && l.some((x) => x.startsWith("heartbeat:")),
        );
        expect(agent.exited()).toBeUndefined();
        expect((await getInstance(f.fleet, m.instanceId)).status).toBe("provisioning");

        await away.up();
        const done = await settledTask(f.fleet, queued);
        expect(done.status, JSON.stringify(done)).toBe("succeeded");
        await waitFor(
          "a heartbeat through the returned listener",
          () => getInstance(f.fleet, m.instanceId),
          (i) => i.status === "running",
        );
        expect(agent.exited()).toBeUndefined();
        agent.stop.abort();
        expect(await agent.done).toBe(EXIT.ok);
      } finally {
        await away.down();
      }
    },
    2 * WAIT_MS,
  );

  // Terminating an instance revokes its certificate (reason instance_terminated) in the same
  // transaction; the listener answers that certificate with 409 instance_terminated, and the service
  // stops every loop (spec/agent.md §5).
  it(
    "stops every loop when the instance is terminated",
    async () => {
      const m = await enrolledMachine(f, "service-3");
      const agent = run(m);
      await waitFor(
        "the instance to run",
        () => getInstance(f.fleet, m.instanceId),
        (i) => i.status === "running",
      );
      const terminate = await f.fleet.api("POST", `/api/v1/node_instances/${m.instanceId}/terminate`);
      expect(terminate.status, JSON.stringify(terminate.body)).toBe(202);
      expect((await settledTask(f.fleet, terminate.body.data.task.id)).status).toBe("succeeded");
      expect((await getInstance(f.fleet, m.instanceId)).status).toBe("terminated");
      // The service returns on its own, without the test's abort.
      await waitFor(
        "the service to return",
        async () => agent.exited(),
        (c) => c !== undefined,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}\n${agent.logs.join("\n")}`);
      });
      expect(agent.logs.some((l) => /instance terminated/.test(l))).toBe(true);
    },
    2 * WAIT_MS,
  );

  it(
    "stops its control-plane loops and exits 4 when its certificate is revoked",
    async () => {
      const m = await enrolledMachine(f, "service-4");
      const agent = run(m);
      await waitFor(
        "the instance to run",
        () => getInstance(f.fleet, m.instanceId),
        (i) => i.status === "running",
      );
      await revokeCertificate(
        db(),
        {
          principal: systemPrincipal(f.fleet.runtime.accountId, ["fleet:admin"]),
          source: "system",
          correlationId: null,
          now: new Date(),
        },
        { certificateId: m.pki.meta.certificate_id, reason: "key compromise drill", now: new Date() },
      );
      const code = await agent.done;
      expect(code).toBe(EXIT.enrollmentRefused);
      expect(agent.logs.some((l) => l.includes("identity_revoked"))).toBe(true);
    },
    2 * WAIT_MS,
  );

  it(
    "reconciles its modules by itself when a heartbeat shows a new assignments revision",
    async () => {
      const m = await enrolledMachine(f, "service-5");
      const agent = run(m);
      const instance = await waitFor(
        "the instance to run",
        () => getInstance(f.fleet, m.instanceId),
        (i) => i.status === "running",
      );
      const platformId = await amd64Platform(f.fleet, "service-amd64");
      const mod = await publishModule(f.fleet, "service-web", platformId);
      await assignModule(f.fleet, instance.node_id, mod.moduleId);
      await waitFor(
        "the module to be staged",
        async () => existsSync(join(m.paths.modules, mod.moduleId, "manifest.json")),
        (staged) => staged,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}\n${agent.logs.join("\n")}`);
      });
      // No sync_modules task was asked for: the heartbeat's revision woke the reconcile loop.
      const synced = await db()
        .select({ id: tasks.id })
        .from(tasks)
        .where(and(eq(tasks.subject_id, m.instanceId), eq(tasks.command, "sync_modules")));
      expect(synced).toEqual([]);
    },
    2 * WAIT_MS,
  );
});
