// Package supply chain (spec/domain.md §1.8, §5.3 jobs 3, 10, 11; spec/skills.md #25–#28;
// spec/autonomy.md §1.2 #16): apt/rpm repositories and the package versions their index lists,
// modules materialized from a package (package–module links), and the CVE catalogue with its
// exposures per module version. The package_drift sensor compares a link's version with upstream.
import { sql } from "drizzle-orm";
import { boolean, check, doublePrecision, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { module_versions, node_modules } from "./modules.ts";
import { accounts, users } from "./tenancy.ts";

/** apt indexes compare versions the dpkg way, rpm and dnf the rpmvercmp way. */
export const PACKAGE_REPOSITORY_KINDS = ["apt", "rpm", "dnf"] as const;
/** `all` (apt) and `noarch` (rpm) packages serve every architecture. */
export const PACKAGE_ARCHITECTURES = ["amd64", "arm64", "all", "noarch"] as const;
export const CVE_SEVERITIES = ["critical", "high", "medium", "low", "unknown"] as const;
export const CVE_EXPOSURE_STATES = ["open", "remediating", "resolved", "wont_fix"] as const;
export const CVE_MATCH_METHODS = ["sbom", "package_spec", "manual"] as const;

export const package_repositories = pgTable(
  "package_repositories",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: PACKAGE_REPOSITORY_KINDS }).notNull(),
    base_url: text("base_url").notNull(),
    /** apt suite (e.g. noble) or rpm release. */
    distribution: text("distribution"),
    components: text("components").array().notNull().default(sql`'{}'::text[]`),
    architectures: text("architectures").array().notNull().default(sql`'{amd64}'::text[]`),
    enabled: boolean("enabled").notNull().default(true),
    last_synced_at: ts("last_synced_at"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("package_repositories_account_name").on(t.account_id, t.name),
    check("package_repositories_kind", inSet(t.kind, PACKAGE_REPOSITORY_KINDS)),
  ],
);

/** One package version as a repository's index lists it (upstream). */
export const packages = pgTable(
  "packages",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    package_repository_id: uuid("package_repository_id")
      .notNull()
      .references(() => package_repositories.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    version: text("version").notNull(),
    architecture: text("architecture", { enum: PACKAGE_ARCHITECTURES }).notNull(),
    summary: text("summary").notNull().default(""),
    first_seen_at: ts("first_seen_at").notNull(),
    created_at: createdAt(),
  },
  (t) => [
    uniqueIndex("packages_repository_name_arch_version").on(t.package_repository_id, t.name, t.architecture, t.version),
    check("packages_architecture", inSet(t.architecture, PACKAGE_ARCHITECTURES)),
  ],
);

/** A module materialized from one repository package for one architecture. */
export const package_module_links = pgTable(
  "package_module_links",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    package_repository_id: uuid("package_repository_id")
      .notNull()
      .references(() => package_repositories.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "cascade" }),
    package_name: text("package_name").notNull(),
    /** The version the module was last built from. */
    package_version: text("package_version").notNull(),
    architecture: text("architecture", { enum: PACKAGE_ARCHITECTURES }).notNull(),
    /** When the module was last materialized from upstream. */
    last_synced_at: ts("last_synced_at").notNull(),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("package_module_links_module_package_arch").on(t.node_module_id, t.package_name, t.architecture),
    index("package_module_links_account_synced").on(t.account_id, t.last_synced_at),
    check("package_module_links_architecture", inSet(t.architecture, PACKAGE_ARCHITECTURES)),
  ],
);

export interface AffectedPackage {
  name: string;
  ecosystem: string;
  versions_affected: string;
  fixed_in: string | null;
}

/** The CVE catalogue: global, fed by the cve_feed job (domain.md §0: the one table without account_id). */
export const cves = pgTable(
  "cves",
  {
    id: id(),
    cve_id: text("cve_id").notNull().unique(),
    severity: text("severity", { enum: CVE_SEVERITIES }).notNull().default("unknown"),
    cvss_score: doublePrecision("cvss_score"),
    summary: text("summary").notNull().default(""),
    affected_packages: jsonb("affected_packages").$type<AffectedPackage[]>().notNull().default([]),
    reference_url: text("reference_url"),
    published_at: ts("published_at"),
    ingested_at: ts("ingested_at").notNull(),
    feed_source: text("feed_source").notNull(),
    updated_at: updatedAt(),
  },
  (t) => [
    check("cves_cve_id", sql`${t.cve_id} ~ '^CVE-[0-9]{4}-[0-9]{4,}$'`),
    check("cves_severity", inSet(t.severity, CVE_SEVERITIES)),
    check("cves_cvss_score", sql`${t.cvss_score} IS NULL OR ${t.cvss_score} BETWEEN 0 AND 10`),
  ],
);

/** A module version carrying a vulnerable package version. */
export const cve_exposures = pgTable(
  "cve_exposures",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    cve_id: text("cve_id")
      .notNull()
      .references(() => cves.cve_id, { onDelete: "cascade" }),
    module_version_id: uuid("module_version_id")
      .notNull()
      .references(() => module_versions.id, { onDelete: "cascade" }),
    package_name: text("package_name").notNull(),
    package_version: text("package_version").notNull(),
    state: text("state", { enum: CVE_EXPOSURE_STATES }).notNull().default("open"),
    match_method: text("match_method", { enum: CVE_MATCH_METHODS }).notNull(),
    detected_at: ts("detected_at").notNull(),
    resolved_at: ts("resolved_at"),
    wont_fix_reason: text("wont_fix_reason"),
    decided_by_id: uuid("decided_by_id").references(() => users.id, { onDelete: "set null" }),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("cve_exposures_cve_version_package").on(t.cve_id, t.module_version_id, t.package_name),
    index("cve_exposures_account_state").on(t.account_id, t.state),
    index("cve_exposures_module_version").on(t.module_version_id, t.package_name),
    check("cve_exposures_state", inSet(t.state, CVE_EXPOSURE_STATES)),
    check("cve_exposures_match_method", inSet(t.match_method, CVE_MATCH_METHODS)),
    check(
      "cve_exposures_wont_fix_reason",
      sql`${t.state} <> 'wont_fix' OR length(trim(coalesce(${t.wont_fix_reason}, ''))) > 0`,
    ),
  ],
);
