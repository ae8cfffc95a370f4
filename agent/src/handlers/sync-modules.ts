// sync_modules and apply_config (domain.md §1.3): reconcile the desired module set into the
// working directory. The platform has no module delivery API for agents yet, so the desired set
// is empty and the report reflects what the reconcile actually did with it.
import { z } from "zod";
import { defineHandler, HandlerError } from "./handler.ts";
import { attachedModules, type DesiredModule, reconcileModules } from "./modules.ts";

const Uuid = z.uuid();

/** The desired set the platform can express to agents today (no GET /agent/v1/assignments yet). */
async function desiredModules(): Promise<DesiredModule[]> {
  return [];
}

export const syncModulesHandler = defineHandler({
  command: "sync_modules",
  payload: z.strictObject({ module_id: Uuid.optional(), force_resync: z.boolean().optional() }),
  idempotent: true,
  async run({ paths, payload }) {
    const report = await reconcileModules(paths.modules, await desiredModules(), payload.module_id);
    return { ...report };
  },
});

export const applyConfigHandler = defineHandler({
  command: "apply_config",
  payload: z.strictObject({}),
  idempotent: true,
  async run({ paths }) {
    const report = await reconcileModules(paths.modules, await desiredModules());
    if (report.failed.length > 0) {
      throw new HandlerError(
        "not_converged",
        `modules did not converge: ${report.failed.map((f) => f.module_id).join(", ")}`,
        true,
      );
    }
    const attached = await attachedModules(paths.modules);
    return { converged: attached.map((m) => m.module_id), not_converged: [] };
  },
});
