// Sensor #16 package_drift (spec/autonomy.md §1.2): a module materialized from a repository package
// (package–module link) last synced more than stale_threshold_seconds ago while the repository's
// index lists a newer version of that package for its architecture. High when the module carries
// an unresolved (open or remediating) CVE exposure for the package, else medium.
//
// The statement returns each stale link with every upstream version listed for it; which one is
// newest is decided here, in memory, with the repository's own ordering (dpkg for apt, rpmvercmp for
// rpm/dnf) — SQL text order gets `1.10 < 1.9` and `1.0~rc1 > 1.0` wrong. A version the ordering
// refuses is never "newer".
import { sql } from "drizzle-orm";
import { z } from "zod";
import { compareDebianVersions, parseDebianVersion } from "./debian-version.ts";
import { compareRpmVersions, parseRpmVersion } from "./rpm-version.ts";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  stale_threshold_seconds: positiveInt(86400),
});
type Settings = z.output<typeof settings>;

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface PackageLinkRow {
  id: string;
  package_repository_id: string;
  node_module_id: string;
  package_name: string;
  package_version: string;
  architecture: string;
  last_synced_at: DbTime;
  /** The repository kind: apt, rpm or dnf. */
  kind: string;
  upstream_versions: string[];
  /** The lowest id of an unresolved CVE exposure of this package in the module, if any. */
  open_cve_id: string | null;
}

interface Ordering {
  parses(v: string): boolean;
  compare(a: string, b: string): number;
}

const DEBIAN: Ordering = { parses: (v) => parseDebianVersion(v) !== null, compare: compareDebianVersions };
const RPM: Ordering = { parses: (v) => parseRpmVersion(v) !== null, compare: compareRpmVersions };

export const orderingFor = (kind: string): Ordering => (kind === "apt" ? DEBIAN : RPM);

/** The newest version the ordering accepts, or null. */
export function newestVersion(versions: readonly string[], ordering: Ordering): string | null {
  let best: string | null = null;
  for (const v of versions) {
    if (!ordering.parses(v)) continue;
    if (best === null || ordering.compare(v, best) > 0) best = v;
  }
  return best;
}

export function packageDriftSignal(row: PackageLinkRow, s: Settings, now: Date): Signal | null {
  if (!(secondsBetween(row.last_synced_at, now) > s.stale_threshold_seconds)) return null;
  const ordering = orderingFor(row.kind);
  if (!ordering.parses(row.package_version)) return null;
  const upstream = newestVersion(row.upstream_versions, ordering);
  if (upstream === null || !(ordering.compare(upstream, row.package_version) > 0)) return null;
  const cveFlagged = row.open_cve_id !== null;
  return {
    kind: "fleet.package_drift",
    severity: cveFlagged ? "high" : "medium",
    sensor: "package_drift",
    fingerprint: `pkg_drift:${row.id}:${upstream}`,
    payload: {
      package_module_link_id: row.id,
      package_repository_id: row.package_repository_id,
      node_module_id: row.node_module_id,
      package_name: row.package_name,
      current_version: row.package_version,
      upstream_version: upstream,
      architecture: row.architecture,
      cve_flagged: cveFlagged,
    },
    refs: { node_module_id: row.node_module_id, ...(row.open_cve_id ? { cve_id: row.open_cve_id } : {}) },
  };
}

export const packageDrift = sqlSensor({
  name: "package_drift",
  order: 16,
  kinds: ["fleet.package_drift"],
  settings,
  query: (ctx, s) => sql`
    SELECT l.id, l.package_repository_id, l.node_module_id, l.package_name, l.package_version, l.architecture,
           l.last_synced_at, r.kind,
           coalesce((
             SELECT array_agg(DISTINCT pk.version)
             FROM packages pk
             WHERE pk.account_id = l.account_id AND pk.package_repository_id = l.package_repository_id
               AND pk.name = l.package_name AND pk.architecture IN (l.architecture, 'all', 'noarch')
           ), '{}'::text[]) AS upstream_versions,
           (
             SELECT min(e.cve_id)
             FROM cve_exposures e
             JOIN module_versions mv ON mv.id = e.module_version_id AND mv.account_id = e.account_id
             WHERE e.account_id = l.account_id AND mv.node_module_id = l.node_module_id
               AND e.package_name = l.package_name AND e.state IN ('open', 'remediating')
           ) AS open_cve_id
    FROM package_module_links l
    JOIN package_repositories r ON r.id = l.package_repository_id AND r.account_id = l.account_id
    WHERE l.account_id = ${ctx.accountId}::uuid
      AND l.last_synced_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.stale_threshold_seconds})
    ORDER BY l.id`,
  build: (rows: PackageLinkRow[], s, now) =>
    rows.map((r) => packageDriftSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
