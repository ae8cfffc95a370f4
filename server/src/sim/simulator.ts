// The fleet simulator (`nodepilot sim`): N simulated agents in one process against a runtime's agent
// listener over real mTLS, with fault injection and per-second statistics. Records are created
// through the REST catalog with an admin token; no provider is asked for a machine.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_SCOPES, AppError, issueToken } from "@nodepilot/core";
import type { Runtime } from "../runtime.ts";
import { type Faults, NO_FAULTS, seededRandom } from "./faults.ts";
import { type EnrollMode, SimAgent } from "./sim-agent.ts";
import { createSimFleet, inParallel, type SimFleet } from "./sim-fleet.ts";
import { SimStats, type SimSummary, type WindowStats } from "./sim-stats.ts";

/** The listener rate-limits enrollment to 10 a minute per source address. */
const AGENT_API_ENROLL_BUDGET = 10;

export interface SimOptions {
  agents: number;
  /** Heartbeats per second per agent; Infinity sends back to back (one in flight per agent). */
  rate: number;
  durationSeconds: number;
  faults?: Faults;
  /** Per-agent overrides (tests: one agent that drops every heartbeat). */
  agentFaults?: (index: number) => Partial<Faults> | undefined;
  /** Admin token for the REST calls; minted for the runtime's owner when omitted. */
  token?: string;
  /** `auto`: the agent's own enroll over TLS while the fleet fits the listener's per-address budget. */
  enroll?: EnrollMode | "auto";
  /** Another process's agent listener (same database) and its CA; default: this runtime's own listener. */
  listener?: { url: string; caPem: string };
  seed?: number;
  taskWorkMs?: number;
  onSecond?: (w: WindowStats) => void;
  log?: (msg: string) => void;
  signal?: AbortSignal;
}

export interface SimResult {
  fleet: SimFleet;
  agents: SimAgent[];
  summary: SimSummary;
}

export interface EnrolledSim {
  fleet: SimFleet;
  agents: SimAgent[];
  stats: SimStats;
  listener: { url: string; caPem: string };
  /** Removes the agents' state directories. */
  cleanup(): Promise<void>;
}

async function adminToken(runtime: Runtime): Promise<string> {
  const { plaintext } = await issueToken(runtime.database.db, {
    accountId: runtime.accountId,
    userId: runtime.ownerUserId,
    name: "fleet simulator",
    scopes: [...ALL_SCOPES],
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return plaintext;
}

/** Creates the simulated fleet and enrolls every agent; they do not run yet. */
export async function enrollSimulatedFleet(runtime: Runtime, opts: SimOptions): Promise<EnrolledSim> {
  if (!Number.isInteger(opts.agents) || opts.agents < 1) {
    throw new AppError("invalid_input", "agents must be a positive integer", {
      errors: [{ path: "agents", message: "must be ≥ 1" }],
    });
  }
  if (!(opts.rate > 0)) {
    throw new AppError("invalid_input", "rate must be > 0 heartbeats per second per agent", {
      errors: [{ path: "rate", message: "must be > 0" }],
    });
  }
  const log = opts.log ?? (() => {});
  const listener = opts.listener ?? (await runtime.startAgentApi(0));
  const token = opts.token ?? (await adminToken(runtime));
  const fleet = await createSimFleet(runtime, token, opts.agents);
  const mode: EnrollMode =
    opts.enroll && opts.enroll !== "auto"
      ? opts.enroll
      : opts.agents <= AGENT_API_ENROLL_BUDGET
        ? "agent_api"
        : "in_process";
  const stateRoot = await mkdtemp(join(tmpdir(), `nodepilot-sim-${fleet.runId}-`));
  const stats = new SimStats();
  const rng = seededRandom(opts.seed ?? 1);
  const agents = fleet.machines.map(
    (machine) =>
      new SimAgent({
        machine,
        listenerUrl: listener.url,
        caPem: listener.caPem,
        stateRoot,
        faults: { ...(opts.faults ?? NO_FAULTS), ...opts.agentFaults?.(machine.index) },
        rng: seededRandom(Math.floor(rng() * 2 ** 32)),
        stats,
        heartbeatEveryMs: Number.isFinite(opts.rate) ? 1000 / opts.rate : 0,
        taskWorkMs: opts.taskWorkMs ?? 50,
        log,
      }),
  );
  log(`sim ${fleet.runId}: ${agents.length} agents enrolling (${mode})`);
  await inParallel(agents, mode === "agent_api" ? AGENT_API_ENROLL_BUDGET : 8, (a) => a.enroll(mode, runtime.services));
  return { fleet, agents, stats, listener, cleanup: () => rm(stateRoot, { recursive: true, force: true }) };
}

/** Runs enrolled agents for `durationSeconds` (or until `signal`), printing a window each second. */
export async function runEnrolled(sim: EnrolledSim, opts: Pick<SimOptions, "durationSeconds" | "onSecond" | "signal">) {
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const timer = setTimeout(() => stop.abort(), opts.durationSeconds * 1000);
  const ticker = setInterval(() => opts.onSecond?.(sim.stats.tick()), 1000);
  const t0 = performance.now();
  try {
    await Promise.all(sim.agents.map((a) => a.run(signal)));
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
  }
  const seconds = (performance.now() - t0) / 1000;
  return sim.stats.summary(
    sim.agents.length,
    sim.agents.filter((a) => a.credentials).length,
    sim.agents.filter((a) => a.silent).length,
    seconds,
  );
}

export async function runSimulator(runtime: Runtime, opts: SimOptions): Promise<SimResult> {
  const sim = await enrollSimulatedFleet(runtime, opts);
  try {
    const summary = await runEnrolled(sim, opts);
    return { fleet: sim.fleet, agents: sim.agents, summary };
  } finally {
    await sim.cleanup();
  }
}
