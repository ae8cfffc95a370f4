// The control-plane task runner: leases control-plane instance tasks through the same protocol agents
// use (spec/domain.md §1.3), runs up to `concurrency` of them at once, and wakes at once when a commit
// makes tasks leasable (Services.onTasksChanged), otherwise polls. Nothing starts until it is called.

// The instance executor and the lease protocol are not on @nodepilot/core's index yet; reached by path.
import type { EventOrigin, TaskSubjectType } from "@nodepilot/core";
import { executeInstanceTask, INSTANCE_COMMANDS, leaseTasks, type Services, systemPrincipal } from "@nodepilot/core";
import type { DbOrTx } from "@nodepilot/store";
import { sql } from "drizzle-orm";

export interface ControlPlaneRunnerOptions {
  /** Lease holder name: unique per runner (host, pid, instance). */
  holder: string;
  /** Tasks run at once (default 4). */
  concurrency?: number;
  /** Poll interval when nothing wakes the runner (default 1000 ms). */
  pollMs?: number;
  /** Only these accounts' tasks; undefined serves every account. */
  accountIds?: readonly string[];
}

export interface ControlPlaneRunner {
  /** Lease now instead of at the next poll. */
  wake(): void;
  /** Stop leasing and wait for the tasks in flight to settle. */
  stop(): Promise<void>;
}

const NIL_ACCOUNT = "00000000-0000-0000-0000-000000000000";
const SUBJECT_SCAN = 200;

/** Subjects with leasable instance tasks in the given accounts, most urgent first. */
async function pendingSubjects(db: DbOrTx, accountIds: readonly string[], now: Date) {
  const commands = sql.join(
    INSTANCE_COMMANDS.map((c) => sql`${c}`),
    sql`, `,
  );
  const accounts = sql.join(
    accountIds.map((a) => sql`${a}::uuid`),
    sql`, `,
  );
  const res = await db.execute(sql`
    SELECT subject_type, subject_id FROM tasks
    WHERE status = 'pending' AND executor = 'control_plane' AND command IN (${commands})
      AND account_id IN (${accounts}) AND available_at <= ${now}::timestamptz
    GROUP BY subject_type, subject_id
    ORDER BY max(priority) DESC, min(available_at)
    LIMIT ${SUBJECT_SCAN}`);
  return (res.rows as { subject_type: TaskSubjectType; subject_id: string }[]).map((r) => ({
    type: r.subject_type,
    id: r.subject_id,
  }));
}

export function startControlPlaneRunner(services: Services, opts: ControlPlaneRunnerOptions): ControlPlaneRunner {
  const concurrency = opts.concurrency ?? 4;
  const pollMs = opts.pollMs ?? 1000;
  const { db } = services.database;
  const { logger } = services;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let woken = false;
  let interrupt: (() => void) | undefined;

  const wake = () => {
    woken = true;
    interrupt?.();
  };
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopping) {
        woken = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        interrupt = undefined;
        woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      interrupt = done;
    });

  const origin = (now: Date): EventOrigin => ({
    // The lease writes each task's events in the task's own account; this account id is replaced.
    principal: systemPrincipal(opts.accountIds?.[0] ?? NIL_ACCOUNT, ["fleet:admin"]),
    source: "system",
    correlationId: null,
    now,
  });

  async function leaseBatch(limit: number) {
    const now = services.clock();
    const subjects = opts.accountIds ? await pendingSubjects(db, opts.accountIds, now) : undefined;
    if (subjects?.length === 0) return [];
    return leaseTasks(db, origin(now), {
      executor: "control_plane",
      holder: opts.holder,
      limit,
      commands: [...INSTANCE_COMMANDS],
      ...(subjects ? { subjects } : {}),
      now,
    });
  }

  function track(task: Awaited<ReturnType<typeof leaseBatch>>[number]) {
    const run: Promise<void> = executeInstanceTask(services, task)
      .then((outcome) =>
        logger.debug("control-plane task settled", { task_id: task.id, command: task.command, outcome }),
      )
      .catch((err) =>
        logger.error("control-plane task crashed; its lease will expire and the reaper re-queues it", {
          task_id: task.id,
          command: task.command,
          error: String((err as Error)?.stack ?? err),
        }),
      )
      .finally(() => {
        inFlight.delete(run);
        wake();
      });
    inFlight.add(run);
  }

  const loop = (async () => {
    while (!stopping) {
      const free = concurrency - inFlight.size;
      let more = false;
      if (free > 0) {
        try {
          const leased = await leaseBatch(free);
          for (const task of leased) track(task);
          more = leased.length === free;
        } catch (err) {
          logger.error("control-plane lease failed; retrying at the next poll", { error: String(err) });
        }
      }
      // A full batch may mean more are waiting: lease again at once, once a slot is free.
      if (!stopping && !(more && inFlight.size < concurrency)) await idle(pollMs);
    }
  })();

  return {
    wake,
    async stop() {
      stopping = true;
      wake();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
