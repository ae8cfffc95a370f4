// POST /agent/v1/heartbeat (spec/agent.md §5): parse strictly (≤ 64 KB), hand to the batch writer,
// and answer once the batch holding this beat has committed.
import type { Services } from "@nodepilot/core";
import { HEARTBEAT_MAX_BYTES, HeartbeatRequest, type HeartbeatResponse } from "@nodepilot/core/agent-protocol";
import type { Hono } from "hono";
import { type AgentEnv, agentOf } from "./agent-env.ts";
import type { HeartbeatWriter } from "./heartbeat-writer.ts";
import { parseBody } from "./http.ts";

export const HEARTBEAT_INTERVAL_SECONDS = 30;
// Ask for rotation from 75 % of a 90-day certificate's life (agent.md §7).
const ROTATE_WITHIN_MS = 0.25 * 90 * 86_400_000;

export function mountHeartbeatRoute(app: Hono<AgentEnv>, services: Services, writer: HeartbeatWriter) {
  app.post("/heartbeat", async (c) => {
    const agent = agentOf(c);
    const body = await parseBody(c, HeartbeatRequest, HEARTBEAT_MAX_BYTES);
    const now = services.clock();
    const done = await writer.submit({
      accountId: agent.accountId,
      instanceId: agent.instanceId,
      body,
      now,
      requestId: agent.requestId,
    });
    const res: HeartbeatResponse = {
      server_time: new Date().toISOString(),
      next_heartbeat_seconds: HEARTBEAT_INTERVAL_SECONDS,
      tasks_pending: done.tasksPending,
      assignments_revision: done.assignmentsRevision,
      renewed_leases: done.renewed,
      lost_leases: done.lost,
      actions: agent.notAfter.getTime() - now.getTime() <= ROTATE_WITHIN_MS ? ["rotate_certificate"] : [],
    };
    return c.json(res);
  });
}
