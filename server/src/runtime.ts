// The composition root shared by `nodepilot start`, the tests and the benchmarks: builds the
// dependency bag (database, providers, secrets, clock, logger) and the app, with nothing at import.
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { arch, hostname } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AgentEndpoint,
  type AgentEndpointSource,
  ALL_SCOPES,
  agentWorkload,
  allOperations,
  buildCatalog,
  type Catalog,
  chooseEmbedder,
  issueToken,
  type LearningsIndex,
  type Logger,
  ProviderRegistry,
  prepareLearningsIndex,
  SecretBox,
  type Services,
  seedAccount,
  TokenAuthenticator,
} from "@nodepilot/core";
import { LocalProvider } from "@nodepilot/core/providers";
import type { AutonomyGate } from "@nodepilot/graphs";
import type { RateLimits, SessionExtras } from "@nodepilot/mcp-server";
import { fleetSensorRegistry } from "@nodepilot/sensors";
import { type Database, type EmbeddedServer, openDatabase } from "@nodepilot/store";
import type { Hono } from "hono";
import { corePki } from "./agent-api/core-pki.ts";
import { type AgentListener, startAgentListener } from "./agent-api/listener.ts";
import { createApp } from "./app.ts";
import { buildAutonomy } from "./autonomy/autonomy-composition.ts";
import { buildChatSurface, type ChatSurface } from "./chat/chat-surface.ts";
import type { Config } from "./config.ts";
import { EventHub } from "./events/event-hub.ts";
import { type JobSystem, startJobSystem } from "./jobs/job-system.ts";
import { buildMcpSurface, type McpSurface } from "./mcp/mcp-endpoint.ts";
import { type ControlPlaneRunner, startControlPlaneRunner } from "./workers/control-plane-runner.ts";

export interface Runtime {
  config: Config;
  database: Database;
  services: Services;
  catalog: Catalog;
  auth: TokenAuthenticator;
  app: Hono;
  accountId: string;
  ownerUserId: string;
  /** Set only on the very first start of an embedded data directory. */
  firstAdminToken: string | undefined;
  /** The control-plane task runner; undefined when started with `startRunners: false`. */
  controlPlane: ControlPlaneRunner | undefined;
  /** Job workers and schedules (spec/domain.md §5.3); undefined when started without them. */
  jobs: JobSystem | undefined;
  /** How similar() searches learnings (pgvector HNSW or the exact scan) and with which embedder (ADR 0007). */
  learnings: LearningsIndex;
  /** The agent listener once startAgentApi has run (the process entry starts it; tests opt in). */
  agentApi: AgentListener | undefined;
  /** Live fleet events of this process (LISTEN/NOTIFY fan-out). */
  events: EventHub;
  /** The autonomy gate (LangGraph, checkpointed in Postgres): the ticks' decider and the approval executor. */
  gate: AutonomyGate;
  /** MCP over Streamable HTTP at /mcp (spec/mcp.md §7). */
  mcp: McpSurface;
  /** The concierge chat (spec/ui.md §3): conversations, page actions, approved calls run at once. */
  chat: ChatSurface;
  /** Start the mTLS agent listener on `port` (default NODEPILOT_AGENT_PORT; 0 = a free port). */
  startAgentApi(port?: number): Promise<AgentListener>;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  /** Tests pass a key; processes read it from config or the data directory. */
  masterKey?: Buffer;
  /** Tests run against an in-memory embedded database. */
  inMemory?: boolean;
  /** The embedded database, already booting in its thread (`nodepilot start` overlaps it with loading). */
  embedded?: Promise<EmbeddedServer> | undefined;
  writeAdminToken?: boolean;
  /** Start the control-plane task runner (default true); benchmarks of the API alone turn it off. */
  startRunners?: boolean;
  /**
   * The job system: scheduled jobs and their workers, on BullMQ with REDIS_URL, else on the
   * Postgres-backed runner. Started by default (unless startRunners is false); `false` leaves it
   * off. `accountOnly` narrows the platform jobs to this runtime's account, and `queue` gives the
   * runtime a queue namespace of its own (test fleets sharing one PostgreSQL or Redis use both).
   */
  jobs?: false | { accountOnly?: boolean; queue?: string; pollMs?: number; lockMs?: number };
  /**
   * What local instances run: the real on-node agent (default; needs the agent listener running to
   * provision), or the built-in idle process for tests that play the agent themselves.
   */
  localWorkload?: "agent" | "idle";
  /** Per-token MCP call limits (default 120 reads and 30 writes a minute); benchmarks raise them. */
  mcpRateLimits?: RateLimits;
  /** Test seam: tools and prompts served beside the catalog in every MCP session (the conformance suite's fixtures); never set by a process. */
  mcpSessionExtras?: SessionExtras;
}

/** The on-node agent's entry script in this repository (run from source through tsx). */
export const AGENT_BIN = fileURLToPath(new URL("../../agent/bin/nodepilot-agent.mjs", import.meta.url));

/** How a local instance on this host reaches the listener: loopback unless bound to one address. */
function localAgentEndpoint(api: AgentListener, host: string): AgentEndpoint {
  const wildcard = host === "0.0.0.0" || host === "::" || host === "localhost" || host.startsWith("127.");
  return { platformUrl: wildcard ? `https://127.0.0.1:${api.port}` : api.url, caPem: api.caPem };
}

export const hostArchitecture = (): "amd64" | "arm64" => (arch() === "arm64" ? "arm64" : "amd64");

function writeSecretFile(path: string, content: string) {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The master key: from NODEPILOT_MASTER_KEY, or (embedded only) generated into the data dir. */
export function resolveMasterKey(config: Config, embedded: boolean): Buffer {
  if (config.NODEPILOT_MASTER_KEY) return Buffer.from(config.NODEPILOT_MASTER_KEY, "base64");
  const path = join(resolve(config.NODEPILOT_DATA_DIR), "master.key");
  if (existsSync(path)) {
    if ((statSync(path).mode & 0o077) !== 0) throw new Error(`${path} must have mode 0600`);
    return Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  }
  if (!embedded) {
    throw new Error(
      "NODEPILOT_MASTER_KEY is required with DATABASE_URL (32 bytes, base64): every process must share it",
    );
  }
  const key = randomBytes(32);
  writeSecretFile(path, key.toString("base64"));
  return key;
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = opts;
  const dataDir = resolve(config.NODEPILOT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const embedded = !config.DATABASE_URL;
  const masterKey = opts.masterKey ?? resolveMasterKey(config, embedded);
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: opts.inMemory ? undefined : dataDir,
    poolSize: config.NODEPILOT_DB_POOL_SIZE,
    embedded: opts.embedded,
  });
  // Built before the try so a failed start closes its listener too (nothing connects until start()).
  const events = new EventHub({ database, logger });
  try {
    const learnings = await prepareLearningsIndex(database, chooseEmbedder(config), logger);
    const providers = new ProviderRegistry();
    const runsAgent = (opts.localWorkload ?? "agent") === "agent";
    const local = new LocalProvider({
      rootDir: join(dataDir, "instances"),
      workload: runsAgent ? agentWorkload(AGENT_BIN) : undefined,
      requireIdentity: runsAgent,
    });
    providers.register(local);
    const listeners: Services["onTasksChanged"][] = [];
    let agentApi: AgentListener | undefined;
    const services: Services & AgentEndpointSource = {
      database,
      providers,
      secrets: new SecretBox(masterKey),
      logger,
      clock: () => new Date(),
      onTasksChanged: (executor) => {
        for (const l of listeners) l(executor);
      },
      sensors: fleetSensorRegistry(),
      learnings,
      ...(config.NODEPILOT_BUILD_SHA ? { buildSha: config.NODEPILOT_BUILD_SHA } : {}),
      // Provisioning hands new machines this endpoint; undefined until startAgentApi has run.
      agentEndpoint: () => (agentApi ? localAgentEndpoint(agentApi, config.HOST) : undefined),
    };
    const catalog = buildCatalog(allOperations);
    services.operationCategories = new Set(catalog.operations.flatMap((op) => op.actionCategory ?? []));
    services.operationInput = (name) => catalog.get(name)?.input;
    const auth = new TokenAuthenticator(database.db);
    const autonomy = await buildAutonomy({ services, catalog, learnings, logger });
    const localCatalog = await local.getMetadata({
      idempotencyToken: "seed-local-catalog",
      deadline: new Date(Date.now() + 10_000),
      signal: AbortSignal.timeout(10_000),
      logger,
      credentials: {},
    });
    const seeded = await database.db.transaction((tx) =>
      seedAccount(tx, {
        name: config.NODEPILOT_ACCOUNT,
        ownerEmail: "admin@localhost",
        hostArchitecture: hostArchitecture(),
        localCatalog,
      }),
    );
    let firstAdminToken: string | undefined;
    const tokenFile = join(dataDir, "admin-token");
    if (seeded.created && (opts.writeAdminToken ?? embedded) && !existsSync(tokenFile)) {
      const { plaintext } = await issueToken(database.db, {
        accountId: seeded.accountId,
        userId: seeded.ownerUserId,
        name: "admin (first start)",
        scopes: [...ALL_SCOPES],
        expiresAt: new Date(Date.now() + 365 * 86400_000),
      });
      writeSecretFile(tokenFile, `${plaintext}\n`);
      firstAdminToken = plaintext;
    }
    await events.start();
    const mcp = buildMcpSurface({
      services,
      catalog,
      auth,
      events,
      config,
      ...(opts.mcpRateLimits ? { rateLimits: opts.mcpRateLimits } : {}),
      ...(opts.mcpSessionExtras ? { sessionExtras: opts.mcpSessionExtras } : {}),
    });
    const chat = await buildChatSurface({
      services,
      catalog,
      auth,
      hub: events,
      logger,
      accountId: seeded.accountId,
      modelEnv: {
        OPENAI_API_KEY: config.OPENAI_API_KEY,
        OPENAI_BASE_URL: config.OPENAI_BASE_URL,
        NODEPILOT_MODEL: config.NODEPILOT_MODEL,
      },
    });
    await chat.start();
    const app = createApp({ catalog, services, auth, events, mcp, chat });
    // Scoped to this runtime's account: the adapters registered here (the local provider) keep their
    // machines in this process's data directory, so only this account's instances are ours to drive.
    const controlPlane =
      opts.startRunners === false
        ? undefined
        : startControlPlaneRunner(services, {
            holder: `control-plane:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
            accountIds: [seeded.accountId],
          });
    if (controlPlane) {
      listeners.push((executor) => {
        if (executor === "control_plane") controlPlane.wake();
      });
    }
    listeners.push((executor) => {
      if (executor === "agent") agentApi?.wakeTasks();
    });
    const jobOpts = opts.jobs ?? (opts.startRunners === false ? false : {});
    let jobs: JobSystem | undefined;
    if (jobOpts) {
      try {
        jobs = await startJobSystem({
          services,
          redisUrl: config.REDIS_URL,
          retention: {
            lowMediumDays: config.NODEPILOT_EVENT_RETENTION_LOW_DAYS,
            highCriticalDays: config.NODEPILOT_EVENT_RETENTION_HIGH_DAYS,
          },
          ...(jobOpts.accountOnly || config.NODEPILOT_JOB_SCOPE === "account" ? { accountId: seeded.accountId } : {}),
          queue: jobOpts.queue ?? config.NODEPILOT_JOB_QUEUE,
          autonomy: autonomy.tick,
          learnings,
          ...(jobOpts.pollMs ? { pollMs: jobOpts.pollMs } : {}),
          ...(jobOpts.lockMs ? { lockMs: jobOpts.lockMs } : {}),
        });
      } catch (err) {
        await controlPlane?.stop();
        throw err;
      }
      const queue = jobs.queue;
      // The same job and dedup key as the schedule's: a tick already waiting is not queued twice.
      services.requestTick = async (accountId, tx) => ({
        jobId: (
          await queue.enqueue(
            "autonomy.tick",
            { account_id: accountId, trigger: "manual" },
            { dedupKey: `autonomy.tick:${accountId}`, tx },
          )
        ).id,
      });
      services.onApprovalDecided = (accountId, requestId) => {
        queue
          .enqueue(
            "autonomy.execute_approvals",
            { account_id: accountId, approval_request_id: requestId },
            { dedupKey: `autonomy.execute_approvals:${requestId}` },
          )
          .catch((err: unknown) =>
            logger.warn("could not enqueue the approval's execution; the next tick runs it", {
              approval_request_id: requestId,
              error: err instanceof Error ? err.message : String(err),
            }),
          );
      };
    }
    // An approval decided makes AI actors' approved calls run now, here; gate threads resume through
    // the job (when there is a job system) or the next tick. Claims keep either from running one twice.
    const resumeGateThreads = services.onApprovalDecided;
    services.onApprovalDecided = (accountId, requestId) => {
      chat.approvedCalls.request(accountId);
      resumeGateThreads?.(accountId, requestId);
    };
    return {
      config,
      database,
      services,
      catalog,
      auth,
      app,
      mcp,
      chat,
      accountId: seeded.accountId,
      ownerUserId: seeded.ownerUserId,
      firstAdminToken,
      controlPlane,
      jobs,
      learnings,
      events,
      gate: autonomy.gate,
      get agentApi() {
        return agentApi;
      },
      async startAgentApi(port = config.NODEPILOT_AGENT_PORT) {
        agentApi ??= await startAgentListener({
          services,
          logger,
          pki: corePki(services),
          dataDir,
          host: config.HOST,
          port,
          claimAccountId: seeded.accountId,
        });
        return agentApi;
      },
      async stop() {
        await mcp.close();
        await chat.close();
        await agentApi?.close();
        await jobs?.close();
        await controlPlane?.stop();
        await events.close();
        await database.close();
      },
    };
  } catch (err) {
    await events.close();
    await database.close().catch(() => {});
    throw err;
  }
}
