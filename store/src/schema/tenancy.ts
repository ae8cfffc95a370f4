// Tenancy and operator auth: accounts, environments, users, API tokens (spec/domain.md §1.1).
import { sql } from "drizzle-orm";
import { bigint, boolean, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";

export const accounts = pgTable("accounts", {
  id: id(),
  name: text("name").notNull().unique(),
  slug: text("slug").notNull().unique(),
  status: text("status", { enum: ["active", "suspended"] })
    .notNull()
    .default("active"),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  // Per-account fleet event sequence; incremented under a row lock so seq order is commit order.
  event_seq: bigint("event_seq", { mode: "number" }).notNull().default(0),
  version: version(),
  created_at: createdAt(),
  updated_at: updatedAt(),
});

export const environments = pgTable(
  "environments",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    rank: integer("rank").notNull(),
    delivery_mode: text("delivery_mode", { enum: ["following", "pinned"] }).notNull(),
    min_promotion_state: text("min_promotion_state", { enum: ["staging", "blessed", "live"] }).notNull(),
    protected: boolean("protected").notNull().default(false),
    signature_mode: text("signature_mode", { enum: ["enforce", "audit"] })
      .notNull()
      .default("enforce"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("environments_account_name").on(t.account_id, t.name)],
);

export const users = pgTable(
  "users",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    display_name: text("display_name").notNull(),
    role: text("role", { enum: ["owner", "admin", "operator", "viewer"] }).notNull(),
    password_hash: text("password_hash"),
    status: text("status", { enum: ["active", "disabled"] })
      .notNull()
      .default("active"),
    last_login_at: ts("last_login_at"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("users_account_email").on(t.account_id, t.email)],
);

export const api_tokens = pgTable(
  "api_tokens",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    user_id: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    token_prefix: text("token_prefix").notNull(),
    token_hash: text("token_hash").notNull().unique(),
    scopes: text("scopes").array().notNull(),
    environment_ids: uuid("environment_ids").array().notNull().default(sql`'{}'::uuid[]`),
    expires_at: ts("expires_at").notNull(),
    last_used_at: ts("last_used_at"),
    last_used_ip: text("last_used_ip"),
    revoked_at: ts("revoked_at"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("api_tokens_account_name").on(t.account_id, t.name)],
);

// Replays of POSTs carrying an Idempotency-Key (spec/domain.md §5.1), kept 24 h.
export const idempotency_records = pgTable(
  "idempotency_records",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    operation: text("operation").notNull(),
    request_sha256: text("request_sha256").notNull(),
    status: integer("status").notNull(),
    response: jsonb("response").notNull(),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("idempotency_records_key").on(t.account_id, t.operation, t.key)],
);
