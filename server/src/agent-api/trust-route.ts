// GET /agent/v1/trust (spec/agent.md §8 "Trust anchors"): the account's delivery keys (revoked ones
// flagged), the publisher keys its module trust policies name, and the keyless trusted root (null
// until the builder supplies Sigstore's). Cached by content hash: the ETag is the body's sha256.
import { createHash } from "node:crypto";
import { canonicalJson, ensureDeliveryKey, listDeliveryKeys, listSigningKeys, type Services } from "@nodepilot/core";
import { TrustResponse } from "@nodepilot/core/agent-protocol";
import type { Hono } from "hono";
import { type AgentEnv, agentOf } from "./agent-env.ts";
import { etagMatches, strongEtag } from "./etag.ts";

export function mountTrustRoute(app: Hono<AgentEnv>, services: Services) {
  const db = services.database.db;
  app.get("/trust", async (c) => {
    const agent = agentOf(c);
    // An agent may ask for trust before its first assignments: the key must exist to be listed.
    await ensureDeliveryKey(db, services.secrets, agent.accountId, services.clock());
    const body = TrustResponse.parse({
      delivery_keys: await listDeliveryKeys(db, agent.accountId),
      signing_keys: await listSigningKeys(db, agent.accountId),
      keyless_trusted_root: null,
    });
    const tag = createHash("sha256").update(canonicalJson(body)).digest("hex").slice(0, 32);
    c.header("etag", strongEtag(tag));
    c.header("cache-control", "private, no-cache");
    if (etagMatches(c.req.header("if-none-match"), tag)) return c.body(null, 304);
    return c.json(body);
  });
}
