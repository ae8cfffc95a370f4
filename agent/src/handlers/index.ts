// The commands this agent executes, by name.
import { collectFactsHandler } from "./collect-facts.ts";
import type { TaskHandler } from "./handler.ts";
import { rebootHandler } from "./reboot.ts";
import { runScriptHandler } from "./run-script.ts";
import { applyConfigHandler, syncModulesHandler } from "./sync-modules.ts";

export { collectFacts } from "./collect-facts.ts";
export { type HandlerContext, HandlerError, type TaskHandler } from "./handler.ts";
export { performReboot, type RebootPlan } from "./reboot.ts";
export { readAllowList, runAllowedScript } from "./run-script.ts";

export function defaultHandlers(reboot: {
  currentBootId: () => string;
  onRebootRequested: (taskId: string) => void;
}): Map<string, TaskHandler> {
  const list = [
    collectFactsHandler,
    syncModulesHandler,
    applyConfigHandler,
    runScriptHandler,
    rebootHandler(reboot.currentBootId, reboot.onRebootRequested),
  ];
  return new Map(list.map((h) => [h.command, h]));
}
