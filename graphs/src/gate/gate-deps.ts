// What the gate graph needs from its process (DESIGN.md §3.8): the services bag, the catalog the
// appliers call, the learnings index and a logger. Built once by the composition root.
import type { Catalog, EventOrigin, LearningsIndex, Logger, Principal, Services } from "@nodepilot/core";
import { loadAutonomyAgent, seedAutonomy } from "@nodepilot/core";
import type { ApplierContext } from "../appliers/applier.ts";
import { autonomyPrincipal } from "../appliers/registry.ts";
import type { GateTick } from "./signal.ts";

export interface GateDeps {
  services: Services;
  catalog: Catalog;
  learnings: LearningsIndex;
  logger: Logger;
}

export interface Acting {
  agentId: string;
  trustTier: string;
  principal: Principal;
  origin: EventOrigin;
  applier: ApplierContext;
}

/** The account's Fleet Autonomy agent acting in this tick; re-seeded when missing (§8 Trigger). */
export async function acting(deps: GateDeps, tick: GateTick, now = new Date(tick.now)): Promise<Acting> {
  const db = deps.services.database.db;
  let agent: Awaited<ReturnType<typeof loadAutonomyAgent>>;
  try {
    agent = await loadAutonomyAgent(db, tick.account_id);
  } catch {
    await db.transaction((tx) => seedAutonomy(tx, tick.account_id));
    agent = await loadAutonomyAgent(db, tick.account_id);
  }
  const principal = autonomyPrincipal(deps.catalog, tick.account_id, agent.id);
  return {
    agentId: agent.id,
    trustTier: agent.trust_tier,
    principal,
    origin: { principal, source: "gate", correlationId: tick.correlation_id, now },
    applier: { services: deps.services, catalog: deps.catalog, principal, now, correlationId: tick.correlation_id },
  };
}
