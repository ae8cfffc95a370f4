// The principal and event origin of an authenticated agent: a node acting as its instance.
import type { EventOrigin, Principal } from "@nodepilot/core";

export interface AgentIdentity {
  accountId: string;
  instanceId: string;
  certificateId: string;
  notAfter: Date;
}

export function nodePrincipal(accountId: string, instanceId: string): Principal {
  return {
    accountId,
    userId: null,
    tokenId: null,
    role: null,
    scopes: [],
    environmentIds: [],
    actorType: "agent",
    actorId: instanceId,
    kind: "node",
  };
}

export function agentOrigin(accountId: string, instanceId: string, now: Date, requestId: string | null): EventOrigin {
  return { principal: nodePrincipal(accountId, instanceId), source: "agent", correlationId: requestId, now };
}
