// POST /agent/v1/events (spec/agent.md §10): an agent replays fleet events from its durable outbox.
// The server sets source = agent and makes the caller's instance the subject, so an agent can only
// say things about itself; ids already seen count as duplicates, so a replay after a lost reply
// writes nothing twice. Each new event still takes its per-account seq through emitEvents.
import { AppError, type EventInput, emitEvents, type Services } from "@nodepilot/core";
import {
  AGENT_EVENTS_MAX_BYTES,
  type AgentEvent,
  EventsRequest,
  type EventsResponse,
} from "@nodepilot/core/agent-protocol";
import { agent_event_ids, node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { Hono } from "hono";
import { type AgentEnv, agentOf, type BoundAgent } from "./agent-env.ts";
import { parseBody } from "./http.ts";
import { rateLimited, WindowLimiter } from "./rate-limit.ts";

/**
 * Batches per instance per minute. A full outbox (100,000 events) drains in 200 batches, under two
 * minutes at this rate; a runaway agent is told to wait instead of filling the log.
 */
const BATCHES_PER_MINUTE = 120;

function toEventInput(e: AgentEvent, agent: BoundAgent, nodeId: string): EventInput {
  return {
    id: e.id,
    kind: e.kind,
    severity: e.severity,
    payload: e.payload,
    subject_type: "node_instance",
    subject_id: agent.instanceId,
    node_id: nodeId,
    node_instance_id: agent.instanceId,
    // The certificate the failing rotation is about is the one the agent authenticated with.
    ...(e.kind.startsWith("certificate.") ? { certificate_id: agent.certificateId } : {}),
    // Without its own correlation id an agent event joins the request that delivered it.
    ...(e.correlation_id === undefined ? {} : { correlation_id: e.correlation_id }),
    emitted_at: new Date(e.occurred_at),
  };
}

export function mountEventsRoute(app: Hono<AgentEnv>, services: Services) {
  const db = services.database.db;
  const limiter = new WindowLimiter(BATCHES_PER_MINUTE, 60_000);

  app.post("/events", async (c) => {
    const agent = agentOf(c);
    const wait = limiter.take(agent.instanceId, Date.now());
    if (wait > 0) throw rateLimited(`more than ${BATCHES_PER_MINUTE} event batches a minute`, wait);
    const req = await parseBody(c, EventsRequest, AGENT_EVENTS_MAX_BYTES);
    const now = services.clock();
    const out: EventsResponse = await db.transaction(async (tx) => {
      const [me] = await tx
        .select({ node_id: node_instances.node_id })
        .from(node_instances)
        .where(and(eq(node_instances.id, agent.instanceId), eq(node_instances.account_id, agent.accountId)))
        .limit(1);
      if (!me) throw new AppError("not_found", `instance ${agent.instanceId} was not found`);
      // Claiming the ids first: a concurrent replay of the same id waits on this row and then
      // finds it taken, so exactly one request writes the event. Claimed in id order, so two
      // overlapping batches lock their rows in the same order and cannot deadlock.
      const ids = [...new Set(req.events.map((e) => e.id))].sort();
      const claimed = await tx
        .insert(agent_event_ids)
        .values(
          ids.map((id) => ({ id, account_id: agent.accountId, node_instance_id: agent.instanceId, received_at: now })),
        )
        .onConflictDoNothing()
        .returning({ id: agent_event_ids.id });
      const fresh = new Set(claimed.map((r) => r.id));
      // Set.delete is true once per id, so an id repeated inside one batch is written once, in the
      // batch's order.
      const accepted = req.events.filter((e) => fresh.delete(e.id));
      await emitEvents(
        tx,
        agent.origin(now),
        accepted.map((e) => toEventInput(e, agent, me.node_id)),
      );
      return { accepted: accepted.length, duplicates: req.events.length - accepted.length };
    });
    return c.json(out);
  });
}
