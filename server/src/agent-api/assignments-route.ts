// GET /agent/v1/assignments (spec/agent.md §8 "Desired set"): the calling instance's modules, planned
// from one repeatable-read snapshot together with the revision that is its strong ETag, so a body
// always matches its ETag; If-None-Match with the current revision answers 304 without planning.
// The revision is the stored one while the account's delivery stamp is unchanged (the heartbeat's
// value); one recomputed here is stored after the read-only snapshot ends.
import {
  AppError,
  assignmentsBody,
  assignmentsRevisions,
  ensureDeliveryKey,
  loadDeliverySnapshot,
  planDelivery,
  type Services,
  storeDeliveryRevision,
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
    const target = { accountId: agent.accountId, instanceId: agent.instanceId };
    const out = await db.transaction(
      async (tx) => {
        const rev = (await assignmentsRevisions(tx, [target], { store: false })).get(agent.instanceId);
        if (!rev) throw new AppError("not_found", `node instance ${agent.instanceId} was not found`);
        const revision = rev.revision;
        if (etagMatches(ifNoneMatch, revision)) return { rev, body: null };
        const snapshot = await loadDeliverySnapshot(tx, agent.accountId, agent.instanceId);
        const body = assignmentsBody(planDelivery(snapshot), {
          revision,
          architecture: snapshot.instance.architecture,
          key,
        });
        return { rev, body };
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    if (out.rev.computed) await storeDeliveryRevision(db, target, out.rev);
    c.header("etag", strongEtag(out.rev.revision));
    c.header("cache-control", "private, no-cache");
    if (!out.body) return c.body(null, 304);
    return c.json(out.body);
  });
}
