// Heartbeat body and timing (spec/agent.md §5): seq per boot, ±10 % jitter on the interval the
// server asks for (clamped to 5–300 s), and the node telemetry we can really measure.
import { statfs } from "node:fs/promises";
import os from "node:os";
import type { HeartbeatRequest } from "@nodepilot/core/agent-protocol";
import { AGENT_VERSION, agentArchitecture } from "../version.ts";

/** The next interval in ms: `seconds` clamped to 5–300, ±10 % uniform jitter. */
export function heartbeatDelay(seconds: number, rng: () => number): number {
  const s = Math.min(300, Math.max(5, seconds));
  return Math.round(s * 1000 * (0.9 + 0.2 * rng()));
}

export interface HeartbeatInputs {
  seq: number;
  bootId: string;
  stateDir: string;
  bootedImageGitSha?: string;
  activeLeases: { task_id: string; lease_id: string; progress?: number }[];
  /** Events and task reports waiting for delivery (spec/agent.md §10). */
  outboxDepth?: number;
  droppedEvents?: number;
}

export async function heartbeatBody(input: HeartbeatInputs): Promise<HeartbeatRequest> {
  const fs = await statfs(input.stateDir).catch(() => null);
  const [l1, l5, l15] = os.loadavg();
  return {
    schema_version: 1,
    seq: input.seq,
    boot_id: input.bootId,
    agent_version: AGENT_VERSION,
    architecture: agentArchitecture(),
    uptime_seconds: Math.floor(os.uptime()),
    load_average: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
    memory_free_kb: Math.floor(os.freemem() / 1024),
    ...(fs ? { persist_free_kb: Math.floor((fs.bavail * fs.bsize) / 1024) } : {}),
    ...(input.bootedImageGitSha ? { booted_image_git_sha: input.bootedImageGitSha } : {}),
    active_leases: input.activeLeases.slice(0, 64),
    ...(input.outboxDepth === undefined ? {} : { outbox_depth: input.outboxDepth }),
    ...(input.droppedEvents === undefined ? {} : { dropped_events: input.droppedEvents }),
  };
}
