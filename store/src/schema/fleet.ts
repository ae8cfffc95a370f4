// Fleet core: platforms, templates, nodes and their instances (spec/domain.md §1.2, §1.4).
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { images, instance_types, provider_connections, provider_regions, provider_zones } from "./providers.ts";
import { accounts, environments } from "./tenancy.ts";

export const node_platforms = pgTable(
  "node_platforms",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    architectures: text("architectures").array().notNull(),
    init_script: text("init_script"),
    cosign_identity_regexp: text("cosign_identity_regexp"),
    cosign_issuer_regexp: text("cosign_issuer_regexp"),
    disk_image_oci_ref: text("disk_image_oci_ref"),
    disk_image_sha256: text("disk_image_sha256"),
    disk_image_git_sha: text("disk_image_git_sha"),
    disk_image_size_bytes: bigint("disk_image_size_bytes", { mode: "number" }),
    disk_image_retention_count: integer("disk_image_retention_count").notNull().default(3),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("node_platforms_account_name").on(t.account_id, t.name)],
);

export const node_templates = pgTable(
  "node_templates",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    enabled: boolean("enabled").notNull().default(true),
    public: boolean("public").notNull().default(false),
    node_platform_id: uuid("node_platform_id")
      .notNull()
      .references(() => node_platforms.id, { onDelete: "restrict" }),
    admin_user: text("admin_user"),
    environment_id: uuid("environment_id").references(() => environments.id, { onDelete: "restrict" }),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("node_templates_account_name").on(t.account_id, t.name)],
);

export const nodes = pgTable(
  "nodes",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    enabled: boolean("enabled").notNull().default(true),
    node_template_id: uuid("node_template_id")
      .notNull()
      .references(() => node_templates.id, { onDelete: "restrict" }),
    environment_id: uuid("environment_id").references(() => environments.id, { onDelete: "restrict" }),
    public_address: text("public_address"),
    allocate_public_ip: boolean("allocate_public_ip").notNull().default(false),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    ssh_key_type: text("ssh_key_type", { enum: ["ed25519", "rsa2048"] })
      .notNull()
      .default("ed25519"),
    ssh_key_encrypted: text("ssh_key_encrypted").notNull(),
    ssh_key_fingerprint: text("ssh_key_fingerprint").notNull(),
    ssh_public_key: text("ssh_public_key").notNull(),
    ssh_host_key_encrypted: text("ssh_host_key_encrypted").notNull(),
    ssh_host_key_fingerprint: text("ssh_host_key_fingerprint").notNull(),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("nodes_account_name").on(t.account_id, t.name)],
);

export const INSTANCE_STATES = [
  "pending",
  "provisioning",
  "starting",
  "running",
  "stopping",
  "stopped",
  "rebooting",
  "terminating",
  "terminated",
  "error",
] as const;

export const node_instances = pgTable(
  "node_instances",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_id: uuid("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    variety: text("variety", { enum: ["cloud", "physical", "local"] }).notNull(),
    status: text("status", { enum: INSTANCE_STATES }).notNull().default("pending"),
    status_changed_at: ts("status_changed_at").notNull().default(sql`date_trunc('milliseconds', clock_timestamp())`),
    status_reason: text("status_reason"),
    architecture: text("architecture", { enum: ["amd64", "arm64"] })
      .notNull()
      .default("amd64"),
    network_profile: text("network_profile", { enum: ["lightweight", "heavyweight"] })
      .notNull()
      .default("lightweight"),
    provider_connection_id: uuid("provider_connection_id").references(() => provider_connections.id, {
      onDelete: "restrict",
    }),
    provider_region_id: uuid("provider_region_id").references(() => provider_regions.id, { onDelete: "restrict" }),
    provider_zone_id: uuid("provider_zone_id").references(() => provider_zones.id, { onDelete: "restrict" }),
    instance_type_id: uuid("instance_type_id").references(() => instance_types.id, { onDelete: "restrict" }),
    image_id: uuid("image_id").references(() => images.id, { onDelete: "restrict" }),
    cloud_instance_id: text("cloud_instance_id"),
    boot_mode: text("boot_mode", { enum: ["direct_kernel", "uefi_disk", "cloud_init"] }),
    environment_id: uuid("environment_id").references(() => environments.id, { onDelete: "restrict" }),
    private_ip: text("private_ip"),
    public_ip: text("public_ip"),
    vpn_ip: text("vpn_ip"),
    mac_address: text("mac_address").unique(),
    latitude: doublePrecision("latitude"),
    longitude: doublePrecision("longitude"),
    // Observed: written only by heartbeats and cloud sync.
    last_heartbeat_at: ts("last_heartbeat_at"),
    agent_version: text("agent_version"),
    boot_id: text("boot_id"),
    booted_image_git_sha: text("booted_image_git_sha"),
    running_module_digests: jsonb("running_module_digests").$type<Record<string, string>>().notNull().default({}),
    capabilities: text("capabilities").array().notNull().default(sql`'{}'::text[]`),
    mount_mode: text("mount_mode", { enum: ["kernel", "fuse", "extracted"] }),
    last_synced_at: ts("last_synced_at"),
    claim_code: text("claim_code"),
    claimed_at: ts("claimed_at"),
    discovered_dmi_uuid: text("discovered_dmi_uuid"),
    discovered_hostname: text("discovered_hostname"),
    discovered_mac: text("discovered_mac"),
    hold: jsonb("hold").$type<{ by: string; reason: string; at: string } | null>(),
    cordoned_at: ts("cordoned_at"),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("node_instances_node_name").on(t.node_id, t.name),
    uniqueIndex("node_instances_cloud_id").on(t.provider_connection_id, t.cloud_instance_id),
    index("node_instances_account_created").on(t.account_id, t.created_at, t.id),
    index("node_instances_account_status").on(t.account_id, t.status),
  ],
);
