// The Hono environment of the agent listener: node-server's raw request (for the TLS peer
// certificate) and the authenticated agent the auth middleware binds.
import type { IncomingMessage } from "node:http";
import type { EventOrigin } from "@nodepilot/core";
import { AppError } from "@nodepilot/core";
import type { Context } from "hono";
import { type AgentIdentity, agentOrigin } from "./node-principal.ts";

export interface BoundAgent extends AgentIdentity {
  requestId: string;
  origin(now: Date): EventOrigin;
}

export interface AgentEnv {
  Bindings: { incoming?: IncomingMessage };
  Variables: { agent: BoundAgent | undefined; requestId: string };
}

export function bindAgent(identity: AgentIdentity, requestId: string): BoundAgent {
  return {
    ...identity,
    requestId,
    origin: (now) => agentOrigin(identity.accountId, identity.instanceId, now, requestId),
  };
}

export function agentOf(c: Context<AgentEnv>): BoundAgent {
  const agent = c.get("agent");
  if (!agent) throw new AppError("unauthenticated", "a client certificate is required");
  return agent;
}
