// Account delivery keys (spec/domain.md §3.9): the Ed25519 keys the platform signs delivery
// statements with. Append-only: a key is revoked, never deleted or replaced; at most one active
// key per account. The private key is sealed at rest with the master key.
import { sql } from "drizzle-orm";
import { pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const delivery_keys = pgTable(
  "delivery_keys",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** `sha256:<hex of the SPKI DER>`, so an agent can check a key id against its public key. */
    key_id: text("key_id").notNull(),
    public_key_pem: text("public_key_pem").notNull(),
    private_key_encrypted: text("private_key_encrypted").notNull(),
    revoked_at: ts("revoked_at"),
    created_at: createdAt(),
  },
  (t) => [
    uniqueIndex("delivery_keys_key_id").on(t.account_id, t.key_id),
    uniqueIndex("delivery_keys_one_active").on(t.account_id).where(sql`revoked_at IS NULL`),
  ],
);
