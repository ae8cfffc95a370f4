// The commands this agent executes, by name.
import { collectFactsHandler } from "./collect-facts.ts";
import type { TaskHandler } from "./handler.ts";
import { rebootHandler } from "./reboot.ts";
import { type Renewed, renewCertificateHandler } from "./renew-certificate.ts";
import { runScriptHandler } from "./run-script.ts";
import { applyConfigHandler, syncModulesHandler } from "./sync-modules.ts";

export { collectFacts } from "./collect-facts.ts";
export { type HandlerContext, HandlerError, type TaskHandler } from "./handler.ts";
export { performReboot, type RebootPlan } from "./reboot.ts";
export { readAllowList, runAllowedScript } from "./run-script.ts";

export function defaultHandlers(reboot: {
  currentBootId: () => string;
  onRebootRequested: (taskId: string) => void;
  /** Rotate the client certificate now; null when the rotation failed. Absent: the command is not offered. */
  renewCertificate?: () => Promise<Renewed | null>;
}): Map<string, TaskHandler> {
  const list = [
    collectFactsHandler,
    syncModulesHandler,
    applyConfigHandler,
    runScriptHandler,
    rebootHandler(reboot.currentBootId, reboot.onRebootRequested),
    ...(reboot.renewCertificate ? [renewCertificateHandler(reboot.renewCertificate)] : []),
  ];
  return new Map(list.map((h) => [h.command, h]));
}
