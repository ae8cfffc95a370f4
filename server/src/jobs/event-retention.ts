// The `fleet_event_retention` job (spec/domain.md §1.8, §5.3 #5): low and medium fleet events are
// kept 90 days, high and critical 365 (configurable, floors 7 and 30 in the payload schema). It
// deletes account by account in batches, each its own statement, so the (account_id, created_at)
// index finds the rows and no statement holds locks for long; it stops between batches on timeout.
// It also drops web-session tokens 30 days after they expired or were revoked (docs/web-sessions.md):
// such a row can never authenticate again, and its sign-in and sign-out stay in the event log.
import { accounts, type Db } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import { SESSION_NAME_PREFIX } from "../web-session/session-store.ts";
import type { eventRetentionJob } from "./catalog.ts";
import type { JobHandler } from "./define-job.ts";
import type { JobServices } from "./job-services.ts";

type RetentionPayload = z.output<typeof eventRetentionJob.payload>;

/** job_runs is a log of the job system itself; a month of it is kept, like fleet_ticks. */
const JOB_RUNS_KEPT_DAYS = 30;
/** Ended web sessions are kept this long after they ended, for the token list's "recent sessions". */
const ENDED_SESSIONS_KEPT_DAYS = 30;
const DAY_MS = 86400_000;

async function deleteInBatches(db: Db, signal: AbortSignal, statement: () => ReturnType<typeof sql>, batch: number) {
  let total = 0;
  for (;;) {
    signal.throwIfAborted();
    const res = await db.execute(statement());
    const n = res.rowCount ?? 0;
    total += n;
    if (n < batch) return total;
  }
}

function deleteEndedSessions(db: Db, signal: AbortSignal, accountId: string, p: RetentionPayload, now: Date) {
  const cutoff = new Date(now.getTime() - ENDED_SESSIONS_KEPT_DAYS * DAY_MS);
  return deleteInBatches(
    db,
    signal,
    () => sql`
      DELETE FROM api_tokens WHERE id IN (
        SELECT id FROM api_tokens
        WHERE account_id = ${accountId}::uuid AND name LIKE ${`${SESSION_NAME_PREFIX}%`}
          AND (expires_at < ${cutoff}::timestamptz OR revoked_at < ${cutoff}::timestamptz)
        LIMIT ${p.batch_size})`,
    p.batch_size,
  );
}

async function expireAccount(db: Db, signal: AbortSignal, accountId: string, p: RetentionPayload, now: Date) {
  const band = (severities: string[], days: number) => {
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const list = sql.join(
      severities.map((s) => sql`${s}`),
      sql`, `,
    );
    return deleteInBatches(
      db,
      signal,
      () => sql`
        DELETE FROM fleet_events WHERE id IN (
          SELECT id FROM fleet_events
          WHERE account_id = ${accountId}::uuid AND created_at < ${cutoff}::timestamptz AND severity IN (${list})
          ORDER BY created_at LIMIT ${p.batch_size})`,
      p.batch_size,
    );
  };
  return {
    low_medium: await band(["low", "medium"], p.low_medium_days),
    high_critical: await band(["high", "critical"], p.high_critical_days),
    sessions: await deleteEndedSessions(db, signal, accountId, p, now),
  };
}

export function eventRetentionHandler(services: JobServices): JobHandler<RetentionPayload> {
  return async (payload, ctx) => {
    const { db } = services.database;
    const now = services.clock();
    const ids = payload.account_id
      ? [payload.account_id]
      : (await db.select({ id: accounts.id }).from(accounts).orderBy(accounts.id)).map((a) => a.id);
    const stats = {
      accounts: ids.length,
      deleted_low_medium: 0,
      deleted_high_critical: 0,
      deleted_sessions: 0,
      deleted_job_runs: 0,
    };
    for (const id of ids) {
      const d = await expireAccount(db, ctx.signal, id, payload, now);
      stats.deleted_low_medium += d.low_medium;
      stats.deleted_high_critical += d.high_critical;
      stats.deleted_sessions += d.sessions;
    }
    // job_runs are not per account: only the platform-wide run prunes them.
    if (!payload.account_id) {
      const cutoff = new Date(now.getTime() - JOB_RUNS_KEPT_DAYS * DAY_MS);
      stats.deleted_job_runs = await deleteInBatches(
        db,
        ctx.signal,
        () => sql`
          DELETE FROM job_runs WHERE id IN (
            SELECT id FROM job_runs WHERE started_at < ${cutoff}::timestamptz AND status <> 'running'
            LIMIT ${payload.batch_size})`,
        payload.batch_size,
      );
    }
    return stats;
  };
}
