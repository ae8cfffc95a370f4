// Sensor #14 gitops_drift (spec/autonomy.md §1.2): per enabled GitOps repository, the newest
// successful sync run. Completed within stale_threshold_seconds with a non-empty diff: the live
// fleet differs from `fleet.yaml` — high above high_diff_count changes or with any destroy, else
// medium. No successful run within the threshold: `fleet.gitops_sync_stale` (medium). A repository
// registered less than the threshold ago is not stale yet: it has not had the time to sync.
import type { GitopsDiffSummary } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  stale_threshold_seconds: positiveInt(86400),
  high_diff_count: positiveInt(10),
});
type Settings = z.output<typeof settings>;

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface GitopsRepositoryRow {
  id: string;
  name: string;
  branch: string;
  created_at: DbTime;
  /** Of the newest succeeded run; all null when the repository has none. */
  synced_revision: string | null;
  completed_at: DbTime | null;
  diff_count: number | null;
  diff_summary: GitopsDiffSummary | null;
  pending_proposal_count: number;
}

export function gitopsSignal(row: GitopsRepositoryRow, s: Settings, now: Date): Signal | null {
  const payload = {
    repository_id: row.id,
    repository_name: row.name,
    branch: row.branch,
    synced_revision: row.synced_revision,
    last_sync_at: iso(row.completed_at),
    diff_count: row.diff_count ?? 0,
    diff_summary: row.diff_summary ? { ...row.diff_summary } : null,
    pending_proposal_count: row.pending_proposal_count,
  };
  const fresh = row.completed_at !== null && secondsBetween(row.completed_at, now) <= s.stale_threshold_seconds;
  if (!fresh) {
    if (row.completed_at === null && !(secondsBetween(row.created_at, now) > s.stale_threshold_seconds)) return null;
    return {
      kind: "fleet.gitops_sync_stale",
      severity: "medium",
      sensor: "gitops_drift",
      fingerprint: `gitops_sync_stale:${row.id}`,
      payload,
      refs: {},
    };
  }
  const diffCount = row.diff_count ?? 0;
  if (diffCount <= 0 || row.synced_revision === null) return null;
  const destroys = row.diff_summary?.destroy ?? 0;
  return {
    kind: "fleet.gitops_drift",
    severity: diffCount > s.high_diff_count || destroys > 0 ? "high" : "medium",
    sensor: "gitops_drift",
    fingerprint: `gitops_drift:${row.id}:${row.synced_revision}`,
    payload,
    refs: {},
  };
}

export const gitopsDrift = sqlSensor({
  name: "gitops_drift",
  order: 14,
  kinds: ["fleet.gitops_drift", "fleet.gitops_sync_stale"],
  settings,
  query: (ctx, s) => sql`
    SELECT r.id, r.name, r.branch, r.created_at,
           run.synced_revision, run.completed_at, run.diff_count, run.diff_summary,
           (SELECT count(*)::int FROM gitops_proposals g
            WHERE g.account_id = r.account_id AND g.repository_id = r.id AND g.status = 'pending') AS pending_proposal_count
    FROM gitops_repositories r
    LEFT JOIN LATERAL (
      SELECT sr.synced_revision, sr.completed_at, sr.diff_count, sr.diff_summary
      FROM gitops_sync_runs sr
      WHERE sr.account_id = r.account_id AND sr.repository_id = r.id AND sr.status = 'succeeded'
      ORDER BY sr.completed_at DESC
      LIMIT 1
    ) run ON true
    WHERE r.account_id = ${ctx.accountId}::uuid
      AND r.enabled
      AND (run.completed_at IS NULL
        OR run.completed_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.stale_threshold_seconds})
        OR run.diff_count > 0)
    ORDER BY r.id`,
  build: (rows: GitopsRepositoryRow[], s, now) =>
    rows.map((r) => gitopsSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
