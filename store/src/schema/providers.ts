// Providers and their catalog: connections, regions, zones, instance types, images (spec/domain.md §1.7).
import { boolean, integer, jsonb, numeric, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const PROVIDER_TYPES = ["local", "qemu", "aws", "gcp", "azure", "openstack", "digitalocean"] as const;

export const providers = pgTable(
  "providers",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider_type: text("provider_type", { enum: PROVIDER_TYPES }).notNull(),
    name: text("name").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    capabilities: text("capabilities").array().notNull(),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("providers_account_name").on(t.account_id, t.name)],
);

export const provider_connections = pgTable(
  "provider_connections",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider_id: uuid("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "restrict" }),
    name: text("name").notNull(),
    endpoint_url: text("endpoint_url"),
    tenant: text("tenant"),
    credentials_encrypted: text("credentials_encrypted"),
    status: text("status", { enum: ["pending", "connected", "error"] })
      .notNull()
      .default("pending"),
    last_test_at: ts("last_test_at"),
    last_test_message: text("last_test_message"),
    enabled: boolean("enabled").notNull().default(true),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("provider_connections_account_name").on(t.account_id, t.name)],
);

export const provider_regions = pgTable(
  "provider_regions",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider_connection_id: uuid("provider_connection_id")
      .notNull()
      .references(() => provider_connections.id, { onDelete: "restrict" }),
    region_code: text("region_code").notNull(),
    name: text("name").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    available: boolean("available").notNull().default(true),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("provider_regions_code").on(t.provider_connection_id, t.region_code)],
);

export const provider_zones = pgTable(
  "provider_zones",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider_region_id: uuid("provider_region_id")
      .notNull()
      .references(() => provider_regions.id, { onDelete: "restrict" }),
    zone_code: text("zone_code").notNull(),
    status: text("status", { enum: ["available", "impaired", "unavailable"] })
      .notNull()
      .default("available"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("provider_zones_code").on(t.provider_region_id, t.zone_code)],
);

export const instance_types = pgTable(
  "instance_types",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider_connection_id: uuid("provider_connection_id")
      .notNull()
      .references(() => provider_connections.id, { onDelete: "restrict" }),
    instance_type_code: text("instance_type_code").notNull(),
    vcpus: integer("vcpus").notNull(),
    memory_mb: integer("memory_mb").notNull(),
    storage_gb: integer("storage_gb").notNull().default(0),
    gpu_count: integer("gpu_count").notNull().default(0),
    gpu_type: text("gpu_type"),
    gpu_memory_mb: integer("gpu_memory_mb"),
    architecture: text("architecture", { enum: ["amd64", "arm64"] }).notNull(),
    specs: jsonb("specs").$type<Record<string, unknown>>().notNull().default({}),
    available: boolean("available").notNull().default(true),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("instance_types_code").on(t.provider_connection_id, t.instance_type_code)],
);

export const region_instance_types = pgTable(
  "region_instance_types",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    region_id: uuid("region_id")
      .notNull()
      .references(() => provider_regions.id, { onDelete: "cascade" }),
    instance_type_id: uuid("instance_type_id")
      .notNull()
      .references(() => instance_types.id, { onDelete: "cascade" }),
    available: boolean("available").notNull().default(true),
    hourly_price: numeric("hourly_price"),
    currency: text("currency"),
    synced_at: ts("synced_at"),
  },
  (t) => [uniqueIndex("region_instance_types_pair").on(t.region_id, t.instance_type_id)],
);

export const images = pgTable(
  "images",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider_connection_id: uuid("provider_connection_id")
      .notNull()
      .references(() => provider_connections.id, { onDelete: "restrict" }),
    image_code: text("image_code").notNull(),
    name: text("name").notNull(),
    region_id: uuid("region_id").references(() => provider_regions.id, { onDelete: "restrict" }),
    architecture: text("architecture", { enum: ["amd64", "arm64"] }).notNull(),
    boot_mode: text("boot_mode", { enum: ["direct_kernel", "uefi_disk", "cloud_init"] }).notNull(),
    node_platform_id: uuid("node_platform_id"),
    disk_image_git_sha: text("disk_image_git_sha"),
    available: boolean("available").notNull().default(true),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("images_code").on(t.provider_connection_id, t.image_code)],
);
