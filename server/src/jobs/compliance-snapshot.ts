// `compliance.daily_snapshot` (spec/autonomy.md §7.2, spec/domain.md §5.3 "compliance_snapshot"):
// daily at 04:45 UTC, after the event retention, every active account gets a `daily` snapshot
// appended to its chain, its expired snapshots (2555 days) pruned first. Accounts are independent: a
// failing account is reported (in the stats and as a high `compliance.snapshot_failed` event on
// that account) and the run goes on with the next. A retried or re-run occurrence skips the
// accounts that already have a daily snapshot since the occurrence, so a crash never doubles one.
import {
  createComplianceSnapshot,
  type EventOrigin,
  emitEvent,
  pruneComplianceSnapshots,
  systemPrincipal,
} from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { defineJob, type JobHandler } from "./define-job.ts";
import type { JobServices } from "./job-services.ts";

export const complianceSnapshotJob = defineJob({
  name: "compliance.daily_snapshot",
  description:
    "Append a daily compliance snapshot to every active account's hash chain (after pruning snapshots past 2555 days); " +
    "a failing account is reported and skipped, never stopping the others.",
  payload: z
    .object({
      /** Snapshot one account only (test fleets sharing a database); the deployment's schedule has none. */
      account_id: z.uuid().optional(),
      /** Snapshot these accounts only; not together with account_id. */
      account_ids: z.array(z.uuid()).min(1).max(1000).optional(),
    })
    .strict()
    .refine((p) => !(p.account_id && p.account_ids), {
      message: "give account_id or account_ids, not both",
      path: ["account_ids"],
    }),
  timeoutMs: 55 * 60_000,
  attempts: 2,
  backoff: { type: "fixed", delayMs: 60_000 },
  lock: { ttlMs: 3600_000 },
});

type Payload = z.output<typeof complianceSnapshotJob.payload>;

const GENERATED_BY = `job:${complianceSnapshotJob.name}`;

export interface ComplianceRunStats {
  accounts: number;
  snapshots_written: number;
  snapshots_skipped: number;
  snapshots_pruned: number;
  accounts_failed: number;
  errors: { account_id: string; error: string }[];
}

function describe(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // drizzle wraps the driver's error; its message is the one that says what went wrong.
  while (e?.cause && typeof (e.cause as { message?: unknown }).message === "string") e = e.cause as typeof e;
  return String(e?.message ?? err).slice(0, 500);
}

export function complianceSnapshotHandler(services: JobServices): JobHandler<Payload> {
  const { db } = services.database;
  return async (payload, ctx) => {
    const ids = payload.account_ids ?? (payload.account_id ? [payload.account_id] : undefined);
    const list = ids
      ? sql`ARRAY[${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )}]::uuid[]`
      : undefined;
    const only = list ? sql`AND id = ANY(${list})` : sql``;
    const accounts = (await db.execute(sql`SELECT id FROM accounts WHERE status = 'active' ${only} ORDER BY id`))
      .rows as { id: string }[];
    const since = ctx.scheduledFor;
    const done = since
      ? new Set(
          (
            await db.execute(sql`
              SELECT DISTINCT account_id FROM compliance_snapshots
              WHERE kind = 'daily' AND generated_at >= ${since.toISOString()}::timestamptz
                ${list ? sql`AND account_id = ANY(${list})` : sql``}`)
          ).rows.map((r) => (r as { account_id: string }).account_id),
        )
      : new Set<string>();
    const stats: ComplianceRunStats = {
      accounts: accounts.length,
      snapshots_written: 0,
      snapshots_skipped: 0,
      snapshots_pruned: 0,
      accounts_failed: 0,
      errors: [],
    };
    for (const { id } of accounts) {
      ctx.signal.throwIfAborted();
      if (done.has(id)) {
        stats.snapshots_skipped++;
        continue;
      }
      const origin = (): EventOrigin => ({
        principal: systemPrincipal(id, []),
        source: "compliance",
        correlationId: null,
        now: services.clock(),
      });
      try {
        const pruned = await db.transaction((tx) => pruneComplianceSnapshots(tx, origin()));
        stats.snapshots_pruned += pruned.pruned;
        await createComplianceSnapshot(
          { database: services.database, secrets: services.secrets, buildSha: services.buildSha },
          origin(),
          { kind: "daily", generatedBy: GENERATED_BY },
        );
        stats.snapshots_written++;
      } catch (err) {
        const error = describe(err);
        stats.accounts_failed++;
        stats.errors.push({ account_id: id, error });
        ctx.logger.warn("compliance snapshot failed", { account_id: id, error });
        await db
          .transaction((tx) =>
            emitEvent(tx, origin(), {
              kind: "compliance.snapshot_failed",
              severity: "high",
              payload: { kind: "daily", error },
            }),
          )
          .catch((e) => ctx.logger.error("could not record a failed compliance snapshot", { error: describe(e) }));
      }
    }
    return { ...stats };
  };
}
