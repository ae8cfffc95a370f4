// Instance pools: warm capacity that callers claim atomically (spec/domain.md §1.6, §2.3).
import { sql } from "drizzle-orm";
import { check, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { node_instances, node_templates } from "./fleet.ts";
import { instance_types, provider_regions } from "./providers.ts";
import { accounts, environments } from "./tenancy.ts";

export const POOL_STATES = ["active", "paused", "draining", "archived"] as const;
export const POOL_MEMBER_STATES = ["warming", "ready", "claimed", "draining", "errored", "removed"] as const;

export const instance_pools = pgTable(
  "instance_pools",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    node_template_id: uuid("node_template_id")
      .notNull()
      .references(() => node_templates.id, { onDelete: "restrict" }),
    provider_region_id: uuid("provider_region_id").references(() => provider_regions.id, { onDelete: "restrict" }),
    instance_type_id: uuid("instance_type_id").references(() => instance_types.id, { onDelete: "restrict" }),
    preferred_regions: text("preferred_regions").array().notNull().default(sql`'{}'::text[]`),
    lifecycle_class: text("lifecycle_class", { enum: ["ephemeral", "spot"] })
      .notNull()
      .default("ephemeral"),
    target_size: integer("target_size").notNull().default(1),
    min_size: integer("min_size").notNull().default(0),
    max_size: integer("max_size").notNull().default(10),
    status: text("status", { enum: POOL_STATES }).notNull().default("active"),
    last_replenished_at: ts("last_replenished_at"),
    environment_id: uuid("environment_id").references(() => environments.id, { onDelete: "restrict" }),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("instance_pools_account_name").on(t.account_id, t.name),
    check(
      "instance_pools_sizes",
      sql`${t.max_size} >= ${t.target_size} and ${t.target_size} >= ${t.min_size} and ${t.min_size} >= 0`,
    ),
  ],
);

export const instance_pool_members = pgTable("instance_pool_members", {
  id: id(),
  account_id: uuid("account_id")
    .notNull()
    .references(() => accounts.id, { onDelete: "cascade" }),
  instance_pool_id: uuid("instance_pool_id")
    .notNull()
    .references(() => instance_pools.id, { onDelete: "cascade" }),
  node_instance_id: uuid("node_instance_id")
    .notNull()
    .unique()
    .references(() => node_instances.id, { onDelete: "cascade" }),
  state: text("state", { enum: POOL_MEMBER_STATES }).notNull().default("warming"),
  warming_started_at: ts("warming_started_at").notNull(),
  ready_at: ts("ready_at"),
  claimed_at: ts("claimed_at"),
  claimed_by_type: text("claimed_by_type", { enum: ["user", "token", "task", "skill"] }),
  claimed_by_id: text("claimed_by_id"),
  claim_expires_at: ts("claim_expires_at"),
  terminate_attempts: integer("terminate_attempts").notNull().default(0),
  last_error: text("last_error"),
  version: version(),
  created_at: createdAt(),
  updated_at: updatedAt(),
});
