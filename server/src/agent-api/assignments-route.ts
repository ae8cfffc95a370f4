// GET /agent/v1/assignments (spec/agent.md §8 "Desired set"): the calling instance's modules, planned
// from one repeatable-read snapshot together with the revision that is its strong ETag, so a body
// always matches its ETag; If-None-Match with the current revision answers 304 without planning.
import {
  AppError,
  assignmentsBody,
  assignmentsRevisions,
  ensureDeliveryKey,
  loadDeliverySnapshot,
  planDelivery,
  type Services,
} from "@nodepilot/core";
import type { Hono } from "hono";
import { type AgentEnv, agentOf } from "./agent-env.ts";
import { etagMatches, strongEtag } from "./etag.ts";

export function mountAssignmentsRoute(app: Hono<AgentEnv>, services: Services) {
  const db = services.database.db;
  app.get("/assignments", async (c) => {
    const agent = agentOf(c);
    // Created on first use, before the snapshot, so the revision already names the key that signs.
    const key = await ensureDeliveryKey(db, services.secrets, agent.accountId, services.clock());
    const ifNoneMatch = c.req.header("if-none-match");
    const out = await db.transaction(
      async (tx) => {
        const target = { accountId: agent.accountId, instanceId: agent.instanceId };
        const revision = (await assignmentsRevisions(tx, [target])).get(agent.instanceId);
        if (!revision) throw new AppError("not_found", `node instance ${agent.instanceId} was not found`);
        if (etagMatches(ifNoneMatch, revision)) return { revision, body: null };
        const snapshot = await loadDeliverySnapshot(tx, agent.accountId, agent.instanceId);
        const body = assignmentsBody(planDelivery(snapshot), {
          revision,
          architecture: snapshot.instance.architecture,
          key,
        });
        return { revision, body };
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    c.header("etag", strongEtag(out.revision));
    c.header("cache-control", "private, no-cache");
    if (!out.body) return c.body(null, 304);
    return c.json(out.body);
  });
}
