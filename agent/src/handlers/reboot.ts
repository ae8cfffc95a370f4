// reboot (domain.md §1.3): records the intent, completes with the boot being left (the platform
// answers 202 deferred and settles the task from the next boot's heartbeat), then restarts. A
// sandboxed agent (it was given a boot-id file) "reboots" by writing a new boot id and re-executing
// itself; a real node asks systemd. The restart itself runs after the report (see run/service.ts).

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { writeFileAtomic, writeJsonAtomic } from "../state/atomic.ts";
import { defineHandler } from "./handler.ts";

export interface RebootPlan {
  mode: "sandbox" | "system";
  bootIdFile?: string;
}

export function rebootHandler(currentBootId: () => string, onRebootRequested: (taskId: string) => void) {
  return defineHandler({
    command: "reboot",
    payload: z.strictObject({ reason: z.string().min(1).max(500) }),
    idempotent: false,
    async run({ paths, payload, taskId }) {
      const previous = currentBootId();
      await writeJsonAtomic(paths.reboot, {
        task_id: taskId,
        reason: payload.reason,
        previous_boot_id: previous,
        requested_at: new Date().toISOString(),
      });
      onRebootRequested(taskId);
      return { previous_boot_id: previous };
    },
  });
}

/** Performs the reboot after the deferred completion was reported. */
export async function performReboot(plan: RebootPlan): Promise<void> {
  if (plan.mode === "sandbox") {
    if (!plan.bootIdFile) throw new Error("sandbox reboot needs the boot-id file");
    await writeFileAtomic(plan.bootIdFile, `${randomUUID()}\n`);
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: "inherit",
      env: process.env,
    });
    child.unref();
    return;
  }
  const child = spawn("systemctl", ["reboot"], { detached: true, stdio: "ignore" });
  child.unref();
}
