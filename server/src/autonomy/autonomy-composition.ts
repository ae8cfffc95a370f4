// The autonomy layer of one process, built the same way by `nodepilot start` and `nodepilot
// worker`: the LangGraph gate on the process's database (checkpoints in Postgres), and what the
// job system's tick runner needs from it — the Decider and the approval/validation hooks.
import type { Catalog, LearningsIndex, Logger, Services } from "@nodepilot/core";
import { type AutonomyGate, createAutonomyGate, type GateDeps, openCheckpointer } from "@nodepilot/graphs";
import type { AutonomyTickDeps } from "../jobs/autonomy-tick.ts";
import { gateDecider, gateHooks } from "./gate-decider.ts";

export interface Autonomy {
  gate: AutonomyGate;
  /** For the job system: ticks decide through the gate and run its steps 1, 2 and 4. */
  tick: AutonomyTickDeps;
}

export async function buildAutonomy(o: {
  services: Services;
  catalog: Catalog;
  learnings: LearningsIndex;
  logger: Logger;
}): Promise<Autonomy> {
  const deps: GateDeps = { services: o.services, catalog: o.catalog, learnings: o.learnings, logger: o.logger };
  const gate = createAutonomyGate(deps, await openCheckpointer(o.services.database));
  return { gate, tick: { decider: gateDecider(gate), hooks: gateHooks(gate, deps) } };
}
