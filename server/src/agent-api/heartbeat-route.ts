// POST /agent/v1/heartbeat (spec/agent.md §5): parse strictly (≤ 64 KB), hand to the batch writer,
// and answer once the batch holding this beat has committed.
import { createHash } from "node:crypto";
import type { Services } from "@nodepilot/core";
import { HEARTBEAT_MAX_BYTES, HeartbeatRequest, type HeartbeatResponse } from "@nodepilot/core/agent-protocol";
import { sql } from "drizzle-orm";
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
    const summary = await pendingSummary(services, agent.accountId, agent.instanceId, done.nodeId, now);
    const res: HeartbeatResponse = {
      server_time: new Date().toISOString(),
      next_heartbeat_seconds: HEARTBEAT_INTERVAL_SECONDS,
      tasks_pending: summary.pending,
      assignments_revision: summary.revision,
      renewed_leases: done.renewed,
      lost_leases: done.lost,
      actions: agent.notAfter.getTime() - now.getTime() <= ROTATE_WITHIN_MS ? ["rotate_certificate"] : [],
    };
    return c.json(res);
  });
}

/**
 * One read for the reply: pending agent tasks this agent could lease (its instance, and its node when
 * it is the only live instance), and a revision of the node's module assignments that changes whenever
 * an assignment is added, removed or edited.
 */
async function pendingSummary(services: Services, accountId: string, instanceId: string, nodeId: string, now: Date) {
  const res = await services.database.db.execute(sql`
    WITH live AS (
      SELECT count(*)::int AS n FROM node_instances WHERE node_id = ${nodeId}::uuid AND status <> 'terminated'
    )
    SELECT
      (SELECT count(*)::int FROM tasks t
        WHERE t.account_id = ${accountId}::uuid AND t.status = 'pending' AND t.executor = 'agent'
          AND t.available_at <= ${now}::timestamptz
          AND ((t.subject_type = 'node_instance' AND t.subject_id = ${instanceId}::uuid)
            OR ((SELECT n FROM live) = 1 AND t.subject_type = 'node' AND t.subject_id = ${nodeId}::uuid))
      ) AS pending,
      (SELECT count(*)::text || ':' || coalesce(sum(version), 0)::text || ':' || coalesce(max(updated_at)::text, '')
        FROM node_module_assignments WHERE node_id = ${nodeId}::uuid) AS revision_source`);
  const row = res.rows[0] as { pending: number; revision_source: string } | undefined;
  return {
    pending: Number(row?.pending ?? 0),
    revision: createHash("sha256")
      .update(row?.revision_source ?? "")
      .digest("hex")
      .slice(0, 16),
  };
}
