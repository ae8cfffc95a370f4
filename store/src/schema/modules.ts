// Modules, versions, artifacts and their joins to templates and nodes (spec/domain.md §1.4).
import { sql } from "drizzle-orm";
import { bigint, boolean, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { node_platforms, node_templates, nodes } from "./fleet.ts";
import { accounts, environments, users } from "./tenancy.ts";

export const node_module_categories = pgTable(
  "node_module_categories",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    variety: text("variety", { enum: ["subscription", "config", "instance"] }).notNull(),
    position: integer("position").notNull(),
    parent_id: uuid("parent_id"),
    config_category_id: uuid("config_category_id"),
    instance_category_id: uuid("instance_category_id"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("node_module_categories_slug").on(t.account_id, t.slug)],
);

const specArray = (name: string) => text(name).array().notNull().default(sql`'{}'::text[]`);

export const MODULE_VARIETIES = ["subscription", "config", "instance"] as const;

export const node_modules = pgTable(
  "node_modules",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    variety: text("variety", { enum: MODULE_VARIETIES }).notNull().default("config"),
    category_id: uuid("category_id").references(() => node_module_categories.id, { onDelete: "restrict" }),
    priority: integer("priority").notNull().default(0),
    enabled: boolean("enabled").notNull().default(true),
    public: boolean("public").notNull().default(false),
    node_platform_id: uuid("node_platform_id").references(() => node_platforms.id, { onDelete: "restrict" }),
    parent_module_id: uuid("parent_module_id"),
    source_repo: text("source_repo"),
    mask: specArray("mask"),
    file_spec: specArray("file_spec"),
    package_spec: specArray("package_spec"),
    dependency_spec: specArray("dependency_spec"),
    protected_spec: specArray("protected_spec"),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    reboot_required: boolean("reboot_required").notNull().default(false),
    lock_spec: boolean("lock_spec").notNull().default(false),
    manifest: jsonb("manifest").$type<Record<string, unknown>>(),
    capabilities: text("capabilities").array().notNull().default(sql`'{}'::text[]`),
    trust_policy: jsonb("trust_policy").$type<Record<string, unknown>>(),
    current_version_id: uuid("current_version_id"),
    auto_promote: boolean("auto_promote").notNull().default(true),
    consent_budget_per_day: integer("consent_budget_per_day"),
    /** Autonomous actions counted in the current 24 h window (spec/autonomy.md §3.3). */
    consent_budget_used_count: integer("consent_budget_used_count").notNull().default(0),
    consent_budget_window_start_at: ts("consent_budget_window_start_at"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("node_modules_account_name").on(t.account_id, sql`lower(${t.name})`),
    uniqueIndex("node_modules_source_repo").on(t.account_id, t.source_repo),
  ],
);

export const MODULE_VERSION_STATES = ["draft", "staging", "blessed", "live", "deprecated", "retired"] as const;

export const module_versions = pgTable(
  "module_versions",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "cascade" }),
    version_number: integer("version_number").notNull(),
    source_version: text("source_version"),
    promotion_state: text("promotion_state", { enum: MODULE_VERSION_STATES }).notNull().default("draft"),
    staging_at: ts("staging_at"),
    blessed_at: ts("blessed_at"),
    live_at: ts("live_at"),
    deprecated_at: ts("deprecated_at"),
    retired_at: ts("retired_at"),
    mask: specArray("mask"),
    file_spec: specArray("file_spec"),
    package_spec: specArray("package_spec"),
    dependency_spec: specArray("dependency_spec"),
    protected_spec: specArray("protected_spec"),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    manifest: jsonb("manifest").$type<Record<string, unknown>>(),
    manifest_sha256: text("manifest_sha256"),
    oci_digest: text("oci_digest"),
    fsverity_root_hash: text("fsverity_root_hash"),
    size_bytes: bigint("size_bytes", { mode: "number" }),
    sbom_uri: text("sbom_uri"),
    vex_uri: text("vex_uri"),
    provenance_uri: text("provenance_uri"),
    changelog: text("changelog"),
    build_fingerprint: text("build_fingerprint"),
    created_by_id: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    publish_error: text("publish_error"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("module_versions_number").on(t.node_module_id, t.version_number)],
);

export const module_artifacts = pgTable(
  "module_artifacts",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    module_version_id: uuid("module_version_id")
      .notNull()
      .references(() => module_versions.id, { onDelete: "cascade" }),
    architecture: text("architecture", { enum: ["amd64", "arm64"] }).notNull(),
    oci_ref: text("oci_ref").notNull(),
    oci_digest: text("oci_digest").notNull(),
    media_type: text("media_type").notNull(),
    size_bytes: bigint("size_bytes", { mode: "number" }).notNull(),
    fsverity_root_hash: text("fsverity_root_hash").notNull(),
    signature_bundle: jsonb("signature_bundle").$type<Record<string, unknown>>(),
    delivery_signature: text("delivery_signature"),
    sbom_uri: text("sbom_uri"),
    built_at: ts("built_at"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("module_artifacts_version_arch").on(t.module_version_id, t.architecture)],
);

export const module_dependencies = pgTable(
  "module_dependencies",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "cascade" }),
    dependency_id: uuid("dependency_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "restrict" }),
    dependency_type: text("dependency_type", { enum: ["requires", "recommends", "conflicts"] }).notNull(),
    version_constraint: text("version_constraint"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("module_dependencies_pair").on(t.node_module_id, t.dependency_id)],
);

export const template_modules = pgTable(
  "template_modules",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_template_id: uuid("node_template_id")
      .notNull()
      .references(() => node_templates.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "restrict" }),
    enabled: boolean("enabled").notNull().default(true),
    priority: integer("priority").notNull().default(0),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    recommends_override: jsonb("recommends_override").$type<Record<string, unknown>>(),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("template_modules_pair").on(t.node_template_id, t.node_module_id)],
);

export const node_module_assignments = pgTable(
  "node_module_assignments",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_id: uuid("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "restrict" }),
    enabled: boolean("enabled").notNull().default(true),
    priority_override: integer("priority_override"),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    auto_resolved: boolean("auto_resolved").notNull().default(false),
    source_template_module_id: uuid("source_template_module_id").references(() => template_modules.id, {
      onDelete: "set null",
    }),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("node_module_assignments_pair").on(t.node_id, t.node_module_id)],
);

export const module_environment_pins = pgTable(
  "module_environment_pins",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    environment_id: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id")
      .notNull()
      .references(() => node_modules.id, { onDelete: "cascade" }),
    module_version_id: uuid("module_version_id")
      .notNull()
      .references(() => module_versions.id, { onDelete: "restrict" }),
    promoted_by_type: text("promoted_by_type", { enum: ["promotion", "pin_freeze", "rollback"] }).notNull(),
    promoted_by_id: text("promoted_by_id"),
    promoted_at: ts("promoted_at").notNull(),
  },
  (t) => [uniqueIndex("module_environment_pins_pair").on(t.environment_id, t.node_module_id)],
);
