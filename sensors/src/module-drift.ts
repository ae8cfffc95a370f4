// Sensor #3 module_drift (spec/autonomy.md §1.2): what a running instance reports running
// (`running_module_digests`) against what its node is assigned (enabled assignments, each at its
// module's current version digest). Assigned but not running is `missing`, running but not
// assigned is `extra`, both but another digest is `mismatched`. An assignment whose module has no
// current version has nothing to deliver and is neither. Total changes ≥ critical_changes is
// critical, ≥ high_changes high, else medium.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { positiveInt } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  high_changes: positiveInt(3),
  critical_changes: positiveInt(5),
});
type Settings = z.output<typeof settings>;

/** Entries listed per kind; the counts are always complete (keeps payloads under 16 KiB). */
const LISTED = 40;

interface Missing {
  module_id: string;
  expected_digest: string;
}
interface Extra {
  module_id: string;
  running_digest: string;
}
interface Mismatched {
  module_id: string;
  expected_digest: string;
  running_digest: string;
}

export interface ModuleDriftRow {
  id: string;
  node_id: string;
  missing: Missing[];
  extra: Extra[];
  mismatched: Mismatched[];
}

export function driftSeverity(changes: number, s: Settings): Severity {
  if (changes >= s.critical_changes) return "critical";
  if (changes >= s.high_changes) return "high";
  return "medium";
}

export function driftSignal(row: ModuleDriftRow, s: Settings): Signal | null {
  const total = row.missing.length + row.extra.length + row.mismatched.length;
  if (total === 0) return null;
  const byModule = <T extends { module_id: string }>(list: T[]) =>
    [...list].sort((a, b) => a.module_id.localeCompare(b.module_id)).slice(0, LISTED);
  return {
    kind: "fleet.module_drift",
    severity: driftSeverity(total, s),
    sensor: "module_drift",
    fingerprint: `module_drift:${row.id}`,
    payload: {
      instance_id: row.id,
      node_id: row.node_id,
      missing_count: row.missing.length,
      extra_count: row.extra.length,
      mismatched_count: row.mismatched.length,
      missing: byModule(row.missing) as never,
      extra: byModule(row.extra) as never,
      mismatched: byModule(row.mismatched) as never,
    },
    refs: { node_id: row.node_id, node_instance_id: row.id },
  };
}

export const moduleDrift = sqlSensor({
  name: "module_drift",
  order: 3,
  kinds: ["fleet.module_drift"],
  settings,
  // Correlated subqueries on the base tables (not CTEs) so each instance's lookups use the
  // (node_id, node_module_id) index instead of scanning every node's assignments.
  query: (ctx) => sql`
    WITH diff AS (
      SELECT i.id, i.node_id,
        COALESCE((
          SELECT jsonb_agg(jsonb_build_object('module_id', a.node_module_id, 'expected_digest', v.oci_digest))
          FROM node_module_assignments a
          JOIN node_modules m ON m.id = a.node_module_id
          JOIN module_versions v ON v.id = m.current_version_id
          WHERE a.node_id = i.node_id AND a.enabled AND v.oci_digest IS NOT NULL
            AND NOT (i.running_module_digests ? a.node_module_id::text)
        ), '[]'::jsonb) AS missing,
        COALESCE((
          SELECT jsonb_agg(jsonb_build_object('module_id', r.key, 'running_digest', r.value))
          FROM jsonb_each_text(i.running_module_digests) r
          WHERE NOT EXISTS (
            SELECT 1 FROM node_module_assignments a
            WHERE a.node_id = i.node_id AND a.enabled AND a.node_module_id::text = r.key)
        ), '[]'::jsonb) AS extra,
        COALESCE((
          SELECT jsonb_agg(jsonb_build_object(
            'module_id', a.node_module_id, 'expected_digest', v.oci_digest,
            'running_digest', i.running_module_digests ->> a.node_module_id::text))
          FROM node_module_assignments a
          JOIN node_modules m ON m.id = a.node_module_id
          JOIN module_versions v ON v.id = m.current_version_id
          WHERE a.node_id = i.node_id AND a.enabled AND v.oci_digest IS NOT NULL
            AND i.running_module_digests ->> a.node_module_id::text <> v.oci_digest
        ), '[]'::jsonb) AS mismatched
      FROM node_instances i
      WHERE i.account_id = ${ctx.accountId}::uuid AND i.status = 'running'
    )
    SELECT * FROM diff
    WHERE missing <> '[]'::jsonb OR extra <> '[]'::jsonb OR mismatched <> '[]'::jsonb
    ORDER BY id`,
  build: (rows: ModuleDriftRow[], s) => rows.map((r) => driftSignal(r, s)).filter((x): x is Signal => x !== null),
});
