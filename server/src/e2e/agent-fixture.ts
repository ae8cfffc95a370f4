// The on-node agent's own code, in process, against the real agent listener of a test fleet. An
// instance is provisioned through the REST API onto the local provider (idle workload, so the
// sandbox runs no agent of its own); the bootstrap token then reaches "the machine" the only way it
// ever does, through the sandbox's identity.cfg, which the agent reads with its real files source.
import { mkdtemp } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AGENT_VERSION,
  enroll,
  type NodePki,
  PlatformClient,
  resolveIdentity,
  type StatePaths,
  statePaths,
} from "@nodepilot/agent";
import type { IdentityRecord } from "@nodepilot/core/agent-protocol";
import { expect } from "vitest";
import { corePki } from "../agent-api/core-pki.ts";
import { type AgentListener, startAgentListener } from "../agent-api/listener.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

// A loaded 2-core machine: provisioning spawns a supervisor and its workload.
export const WAIT_MS = 60_000;

export interface AgentFleet {
  fleet: TestFleet;
  listener: AgentListener;
  nodeId: string;
}

/** A fleet with its control-plane runner and agent listener, and one node to put instances on. */
export async function createAgentFleet(): Promise<AgentFleet> {
  const fleet = await createTestFleet({ localWorkload: "idle" });
  try {
    const listener = await fleet.runtime.startAgentApi(0);
    const platforms = await fleet.api("GET", "/api/v1/node_platforms");
    const template = await fleet.api("POST", "/api/v1/node_templates", {
      body: { name: "agent-flow", node_platform_id: platforms.body.data[0].id },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const node = await fleet.api("POST", "/api/v1/nodes", {
      body: { name: "agent-flow-1", node_template_id: template.body.data.id },
    });
    expect(node.status, JSON.stringify(node.body)).toBe(201);
    return { fleet, listener, nodeId: node.body.data.id };
  } catch (err) {
    await fleet.close();
    throw err;
  }
}

/** Polls `read` until `done` holds, up to `ms`; the last value explains a timeout. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  ms = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

/** Long-polls GET /api/v1/tasks/:id until the task is final. */
export async function settledTask(fleet: TestFleet, id: string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await fleet.api("GET", `/api/v1/tasks/${id}?wait_seconds=10`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const task = res.body.data.task;
    if (["succeeded", "failed", "cancelled", "expired"].includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status}: ${JSON.stringify(task)}`);
  }
}

export async function getTask(fleet: TestFleet, id: string) {
  const res = await fleet.api("GET", `/api/v1/tasks/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.task;
}

export async function getInstance(fleet: TestFleet, id: string) {
  const res = await fleet.api("GET", `/api/v1/node_instances/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

/** Queues an agent task on the instance through the REST API; returns its id. */
export async function createTask(
  fleet: TestFleet,
  instanceId: string,
  command: string,
  payload: Record<string, unknown> = {},
): Promise<string> {
  const res = await fleet.api("POST", "/api/v1/tasks", {
    body: { subject_type: "node_instance", subject_id: instanceId, command, payload },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data.task.id;
}

export interface Machine {
  instanceId: string;
  /** The sandbox directory the local provider made for it. */
  dir: string;
  identityFile: string;
  /** What the agent's discovery found in the sandbox (bootstrap token included). */
  identity: IdentityRecord;
  /** A fresh, empty agent state directory. */
  paths: StatePaths;
}

/** POST /node_instances, wait for the provision task, and discover the identity it delivered. */
export async function provisionMachine(f: AgentFleet, name: string): Promise<Machine> {
  const res = await f.fleet.api("POST", "/api/v1/node_instances", { body: { node_id: f.nodeId, name } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const instanceId: string = res.body.data.instance.id;
  const provisioned = await settledTask(f.fleet, res.body.data.task.id);
  expect(provisioned.status, JSON.stringify(provisioned)).toBe("succeeded");
  const cloudId: string = (await getInstance(f.fleet, instanceId)).cloud_instance_id;
  const dir = join(f.fleet.runtime.config.NODEPILOT_DATA_DIR, "instances", cloudId);
  const identityFile = join(dir, "identity.cfg");
  const { record } = await resolveIdentity({ identityFile, only: "files" });
  expect(record.instance_id).toBe(instanceId);
  expect(record.bootstrap_token).toBeTruthy();
  const paths = statePaths(await mkdtemp(join(tmpdir(), "np-agent-state-")));
  return { instanceId, dir, identityFile, identity: record, paths };
}

export interface EnrolledMachine extends Machine {
  pki: NodePki;
  /** An mTLS client with the enrolled certificate, aimed at `platformUrl` (default the listener). */
  client(platformUrl?: string): PlatformClient;
}

/** Provisions a machine and enrolls it with the agent's own enroll(). */
export async function enrolledMachine(f: AgentFleet, name: string): Promise<EnrolledMachine> {
  const m = await provisionMachine(f, name);
  const { pki } = await enroll({ identity: m.identity, paths: m.paths });
  return {
    ...m,
    pki,
    client: (platformUrl = pki.meta.platform_url) =>
      new PlatformClient({
        platformUrl,
        caBundlePem: pki.caBundlePem,
        agentVersion: AGENT_VERSION,
        credentials: { keyPem: pki.keyPem, certPem: pki.certPem },
      }),
  };
}

/** A free TCP port on loopback (bound, then released for the caller to use). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, "127.0.0.1", ok));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((ok) => probe.close(() => ok()));
  return port;
}

/**
 * A second agent listener of the same fleet (same database, same CA) on a fixed port that tests
 * take down and bring back: the platform going away and returning, as an agent sees it.
 */
export interface SwitchableListener {
  url: string;
  up(): Promise<void>;
  down(): Promise<void>;
}

export async function switchableListener(fleet: TestFleet): Promise<SwitchableListener> {
  const port = await freePort();
  const services = fleet.runtime.services;
  let current: AgentListener | undefined;
  return {
    url: `https://127.0.0.1:${port}`,
    async up() {
      current ??= await startAgentListener({
        services,
        logger: services.logger,
        pki: corePki(services),
        dataDir: fleet.runtime.config.NODEPILOT_DATA_DIR,
        host: "127.0.0.1",
        port,
      });
    },
    async down() {
      const l = current;
      current = undefined;
      await l?.close();
    },
  };
}

/**
 * A plain TCP relay in front of the listener that counts the connections an agent opens; TLS stays
 * end to end between the agent and the real listener.
 */
export interface CountingRelay {
  url: string;
  readonly connections: number;
  close(): Promise<void>;
}

export async function countingRelay(target: AgentListener): Promise<CountingRelay> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    connections++;
    const outbound = connect(target.port, "127.0.0.1");
    sockets.add(inbound);
    sockets.add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on("error", drop).on("close", drop);
    outbound.on("error", drop).on("close", drop);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/**
 * A TCP relay in front of the listener that interferes only with the listener→agent bytes, the way a
 * bad network does: it can cut every connection after it has carried some bytes, or stop forwarding
 * altogether until released. TLS stays end to end; the relay never reads or alters what it carries.
 */
export interface FaultyRelay {
  url: string;
  readonly connections: number;
  /** Listener→agent bytes forwarded so far, over all connections. */
  readonly forwarded: number;
  /** From now on, close each connection once it has carried `bytes` listener→agent bytes. */
  cutEachAfter(bytes: number | undefined): void;
  /** Forward `bytes` more listener→agent bytes (over all connections), then hold everything. */
  holdAfter(bytes: number): void;
  /** Resolves once the relay is holding bytes back. */
  held(): Promise<void>;
  /** Forward what was held and everything after it again. */
  release(): void;
  close(): Promise<void>;
}

export async function faultyRelay(target: AgentListener): Promise<FaultyRelay> {
  let connections = 0;
  let forwarded = 0;
  let cutAt: number | undefined;
  let budget = Number.POSITIVE_INFINITY;
  let holding: { promise: Promise<void>; resolve: () => void } | undefined;
  const waiting: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    connections++;
    const outbound = connect(target.port, "127.0.0.1");
    sockets.add(inbound);
    sockets.add(outbound);
    inbound.pipe(outbound);
    let carried = 0;
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
    };
    const forward = (chunk: Buffer) => {
      if (inbound.destroyed) return;
      const room = Math.min(budget, cutAt === undefined ? chunk.length : cutAt - carried);
      const part = chunk.subarray(0, Math.max(0, room));
      carried += part.length;
      forwarded += part.length;
      budget -= Math.min(budget, part.length);
      if (cutAt !== undefined && carried >= cutAt) {
        // end() so the bytes already written reach the agent before the FIN.
        inbound.end(part);
        outbound.destroy();
        return;
      }
      if (part.length > 0) inbound.write(part);
      if (part.length < chunk.length) {
        outbound.pause();
        waiting.push(() => {
          forward(chunk.subarray(part.length));
          outbound.resume();
        });
        holding?.resolve();
      }
    };
    outbound.on("data", forward);
    inbound.on("error", drop).on("close", drop);
    outbound.on("error", drop).on("close", () => inbound.end());
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get forwarded() {
      return forwarded;
    },
    cutEachAfter(bytes) {
      cutAt = bytes;
    },
    holdAfter(bytes) {
      budget = bytes;
      let resolve = () => {};
      const promise = new Promise<void>((ok) => {
        resolve = ok;
      });
      holding = { promise, resolve };
    },
    held() {
      if (!holding) throw new Error("holdAfter() first");
      return holding.promise;
    },
    release() {
      budget = Number.POSITIVE_INFINITY;
      holding = undefined;
      for (const go of waiting.splice(0)) go();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
