// The `task_reaper` job: core's reapTasks on a schedule, so a lease whose holder died (an agent gone
// quiet, a killed control-plane runner) returns its task to the queue instead of holding it forever.
import { type EventOrigin, reapTasks, systemPrincipal } from "@nodepilot/core";
import type { z } from "zod";
import type { taskReaperJob } from "./catalog.ts";
import type { JobHandler } from "./define-job.ts";
import type { JobServices } from "./job-services.ts";

// reapTasks writes each task's events in the task's own account; this placeholder is replaced.
const NIL_ACCOUNT = "00000000-0000-0000-0000-000000000000";

export function taskReaperHandler(services: JobServices): JobHandler<z.output<typeof taskReaperJob.payload>> {
  return async (payload) => {
    const now = services.clock();
    const origin: EventOrigin = {
      principal: systemPrincipal(payload.account_id ?? NIL_ACCOUNT, ["fleet:admin"]),
      source: "job",
      correlationId: null,
      now,
    };
    const stats = await reapTasks(
      services.database.db,
      origin,
      now,
      payload.account_id ? { accountId: payload.account_id } : {},
    );
    if (stats.lease_expired_requeued > 0) {
      // Re-queued tasks are leasable again: wake this process's runners rather than wait for a poll.
      services.onTasksChanged?.("control_plane");
      services.onTasksChanged?.("agent");
    }
    return { ...stats };
  };
}
