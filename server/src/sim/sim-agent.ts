// One simulated agent: a real agent identity (Ed25519 key, CSR with CN = instance id, enrollment),
// the agent library's mTLS PlatformClient with keep-alive connections, a heartbeat loop at the
// simulator's rate, and the agent's own TaskLoop (journal, start, renew, report) running simulated
// handlers. Faults are decided per heartbeat and per task from a seeded random source.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  AGENT_VERSION,
  abortableSleep,
  enroll,
  PlatformClient,
  type StatePaths,
  statePaths,
  TaskJournal,
  TaskLoop,
} from "@nodepilot/agent";
import { enrollInstance, type Services } from "@nodepilot/core";
import type { HeartbeatRequest } from "@nodepilot/core/agent-protocol";
import { agentKeyAndCsr } from "./agent-keys.ts";
import type { Faults } from "./faults.ts";
import type { SimMachine } from "./sim-fleet.ts";
import { simHandlers } from "./sim-handlers.ts";
import type { SimStats } from "./sim-stats.ts";

/**
 * How an agent gets its certificate. `agent_api`: the agent's own `enroll()` over TLS to the
 * listener (rate-limited to 10 a minute per source address, so slow for big fleets from one host).
 * `in_process`: the same key and CSR handed to core's enrollInstance, the function behind that route.
 */
export type EnrollMode = "agent_api" | "in_process";

export interface SimAgentOptions {
  machine: SimMachine;
  listenerUrl: string;
  caPem: string;
  stateRoot: string;
  faults: Faults;
  rng: () => number;
  stats: SimStats;
  /** Milliseconds between heartbeats; 0 sends the next as soon as the last is answered. */
  heartbeatEveryMs: number;
  taskWorkMs: number;
  log: (msg: string) => void;
}

export class SimAgent {
  readonly paths: StatePaths;
  client: PlatformClient | undefined;
  credentials: { keyPem: string; certPem: string } | undefined;
  /** Decided once: this agent goes quiet after its first acknowledged heartbeat. */
  readonly silent: boolean;
  lastAckAt: Date | undefined;
  #bootId = randomUUID();

  constructor(private readonly o: SimAgentOptions) {
    this.paths = statePaths(join(o.stateRoot, o.machine.instanceId));
    this.silent = o.rng() < o.faults.silent;
  }

  get instanceId(): string {
    return this.o.machine.instanceId;
  }

  async enroll(mode: EnrollMode, services: Services): Promise<void> {
    await mkdir(this.paths.root, { recursive: true, mode: 0o700 });
    if (mode === "agent_api") {
      const { pki } = await enroll({
        identity: {
          instance_id: this.o.machine.instanceId,
          bootstrap_token: this.o.machine.bootstrapToken,
          platform_url: this.o.listenerUrl,
          ca_bundle_pem: this.o.caPem,
          architecture: "amd64",
          source: "files",
          discovered_at: new Date().toISOString(),
        },
        paths: this.paths,
        // The listener allows 10 enrollments a minute per address: wait out its Retry-After.
        retry: { maxAttempts: 20 },
      });
      this.credentials = { keyPem: pki.keyPem, certPem: pki.certPem };
    } else {
      const { csrPem, keyPem } = await agentKeyAndCsr(this.o.machine.instanceId);
      const out = await enrollInstance(
        services.database.db,
        { source: "agent", correlationId: randomUUID() },
        {
          secrets: services.secrets,
          bootstrapToken: this.o.machine.bootstrapToken,
          csrPem,
          identity: {
            instance_id: this.o.machine.instanceId,
            source: "files",
            architecture: "amd64",
            agent_version: AGENT_VERSION,
          },
          sourceIp: null,
          now: services.clock(),
        },
      );
      this.credentials = { keyPem, certPem: out.certificate_pem };
    }
    this.client = this.connect(this.o.listenerUrl);
  }

  /** A platform client with this agent's certificate against `url` (the bench's bare endpoint too). */
  connect(url: string): PlatformClient {
    if (!this.credentials) throw new Error(`sim agent ${this.instanceId} is not enrolled`);
    return new PlatformClient({
      platformUrl: url,
      caBundlePem: this.o.caPem,
      agentVersion: AGENT_VERSION,
      credentials: this.credentials,
    });
  }

  heartbeatBody(seq: number, activeLeases: HeartbeatRequest["active_leases"] = []): HeartbeatRequest {
    return {
      schema_version: 1,
      seq,
      boot_id: this.#bootId,
      agent_version: AGENT_VERSION,
      architecture: "amd64",
      uptime_seconds: Math.floor(process.uptime()),
      load_average: [0.1, 0.1, 0.1],
      memory_free_kb: 1_048_576,
      ...(this.o.rng() < this.o.faults.drift ? { booted_image_git_sha: randomBytes(20).toString("hex") } : {}),
      active_leases: activeLeases,
    };
  }

  /** Heartbeat and task loops until `signal` aborts; in-flight tasks then get 2 s to report. */
  async run(signal: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client) throw new Error(`sim agent ${this.instanceId} is not enrolled`);
    const { stats, log } = this.o;
    const journal = new TaskJournal(this.paths.journal);
    await journal.load();
    const tasks = new TaskLoop({
      client,
      journal,
      paths: this.paths,
      maxConcurrent: 4,
      log: (m) => log(`${this.instanceId}: ${m}`),
      handlers: simHandlers({
        faults: this.o.faults,
        rng: this.o.rng,
        hostname: `sim-${this.o.machine.index}`,
        workMs: this.o.taskWorkMs,
        reboot: () => {
          const previous = this.#bootId;
          this.#bootId = randomUUID();
          return previous;
        },
      }),
      onReported: (_entry, status) => stats.taskReported(status),
    });
    const quiet = new AbortController();
    const stop = AbortSignal.any([signal, quiet.signal]);
    let wake: (() => void) | undefined;

    const heartbeats = async () => {
      for (let seq = 0; !stop.aborted; seq++) {
        if (this.o.rng() < this.o.faults.drop_heartbeats) stats.dropped();
        else {
          stats.sent();
          const t0 = performance.now();
          try {
            const reply = await client.heartbeat(this.heartbeatBody(seq, tasks.activeLeases()), stop);
            stats.acked(performance.now() - t0);
            this.lastAckAt = new Date();
            tasks.loseLeases(reply.lost_leases.map((l) => l.task_id));
            if (reply.tasks_pending > 0) wake?.();
            if (this.silent) quiet.abort();
          } catch (err) {
            if (stop.aborted) break;
            stats.error(err);
          }
        }
        if (this.o.heartbeatEveryMs > 0) await abortableSleep(this.o.heartbeatEveryMs, stop).catch(() => undefined);
      }
    };
    const leasing = async () => {
      while (!stop.aborted) {
        try {
          await tasks.tick();
        } catch (err) {
          if (stop.aborted) break;
          stats.error(err);
        }
        // Like the real agent: poll every 5 s when idle, at once when a heartbeat shows pending work.
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 5_000);
          const done = () => {
            clearTimeout(t);
            stop.removeEventListener("abort", done);
            resolve();
          };
          wake = done;
          stop.addEventListener("abort", done, { once: true });
        });
      }
    };
    try {
      await Promise.all([heartbeats(), leasing()]);
      await tasks.drain(2_000);
    } finally {
      client.close();
      // A stopped agent can run again (a machine that comes back): with a fresh connection.
      this.client = this.connect(this.o.listenerUrl);
    }
  }
}
