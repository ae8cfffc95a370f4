// The cross-domain pressure bus (spec/autonomy.md §6): registered outside sources that may post
// pressure, and the signals themselves, incoming and outgoing. Strength decays per minute and a
// signal is inactive past expires_at; the newest signal replaces older ones per (direction,
// source, type, key).
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const pressure_sources = pgTable(
  "pressure_sources",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The HMAC secret, sealed under the master key. */
    secret_encrypted: text("secret_encrypted").notNull(),
    allowed_signal_types: text("allowed_signal_types").array().notNull().default(sql`'{}'::text[]`),
    enabled: boolean("enabled").notNull().default(true),
    rate_limit_per_min: integer("rate_limit_per_min").notNull().default(60),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("pressure_sources_account_name").on(t.account_id, t.name)],
);

export const PRESSURE_DIRECTIONS = ["in", "out"] as const;

export interface PressureScope {
  region?: string;
  module_id?: string;
  categories?: string[];
}

export const pressure_signals = pgTable(
  "pressure_signals",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    direction: text("direction", { enum: PRESSURE_DIRECTIONS }).notNull(),
    /** The posting source (incoming); null for the platform's own outgoing signals. */
    source_id: uuid("source_id").references(() => pressure_sources.id, { onDelete: "cascade" }),
    signal_type: text("signal_type").notNull(),
    key: text("key").notNull(),
    strength: doublePrecision("strength").notNull(),
    /** Fraction lost per minute: s(t) = s0 · (1 − decay_rate)^(minutes since emitted_at). */
    decay_rate: doublePrecision("decay_rate").notNull().default(0.05),
    emitted_at: ts("emitted_at").notNull(),
    expires_at: ts("expires_at").notNull(),
    scope: jsonb("scope").$type<PressureScope>().notNull().default({}),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    created_at: createdAt(),
  },
  (t) => [
    uniqueIndex("pressure_signals_latest").on(
      t.account_id,
      t.direction,
      sql`coalesce(${t.source_id}, '00000000-0000-0000-0000-000000000000'::uuid)`,
      t.signal_type,
      t.key,
    ),
    index("pressure_signals_active").on(t.account_id, t.direction, t.expires_at),
    check("pressure_signals_strength", sql`${t.strength} > 0 AND ${t.strength} <= 5`),
    check("pressure_signals_decay", sql`${t.decay_rate} >= 0 AND ${t.decay_rate} <= 1`),
  ],
);
