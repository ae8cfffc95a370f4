// The concierge's conversations (spec/ui.md §3): one per thread, owned by the principal that opened
// it; its messages as the web UI renders them (AI SDK UI messages: role, parts, metadata), in order;
// and the approval requests its gated tool calls made, so that a decision made anywhere appends the
// outcome to the thread the call came from.
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { approval_requests } from "./autonomy-gate.ts";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt } from "./columns.ts";
import { accounts } from "./tenancy.ts";

/** A conversation belongs to a user, or to the service token that opened it. */
export const CONVERSATION_OWNER_TYPES = ["user", "token"] as const;
export const CONVERSATION_ROLES = ["user", "assistant", "system"] as const;

export const conversations = pgTable(
  "conversations",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    owner_type: text("owner_type", { enum: CONVERSATION_OWNER_TYPES }).notNull(),
    owner_id: uuid("owner_id").notNull(),
    /** Null until given or taken from the first message. */
    title: text("title"),
    /** Messages so far; appending takes the next numbers under this row's lock. */
    message_count: integer("message_count").notNull().default(0),
    /** The turn running now: one per conversation across replicas, a lease a crashed process leaves to lapse. */
    turn_id: uuid("turn_id"),
    turn_started_at: ts("turn_started_at"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("conversations_owner_updated").on(t.account_id, t.owner_id, t.updated_at),
    check("conversations_owner_type", inSet(t.owner_type, CONVERSATION_OWNER_TYPES)),
    check("conversations_title", sql`char_length(${t.title}) <= 200`),
    check("conversations_turn", sql`(${t.turn_id} IS NULL) = (${t.turn_started_at} IS NULL)`),
  ],
);

export const conversation_messages = pgTable(
  "conversation_messages",
  {
    /** The UI message id the client saw while it streamed. */
    id: uuid("id").primaryKey(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    conversation_id: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    role: text("role", { enum: CONVERSATION_ROLES }).notNull(),
    parts: jsonb("parts").$type<Record<string, unknown>[]>().notNull(),
    metadata: jsonb("metadata").$type<Record<string, unknown>>(),
    created_at: createdAt(),
  },
  (t) => [
    uniqueIndex("conversation_messages_seq").on(t.conversation_id, t.seq),
    check("conversation_messages_role", inSet(t.role, CONVERSATION_ROLES)),
  ],
);

/** A gated call a conversation asked for, until its outcome is appended there (`resumed_at`). */
export const conversation_approvals = pgTable(
  "conversation_approvals",
  {
    conversation_id: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    approval_request_id: uuid("approval_request_id")
      .notNull()
      .references(() => approval_requests.id, { onDelete: "cascade" }),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** The tool call as the model made it: name (`instance_reboot`) and arguments. */
    tool_name: text("tool_name").notNull(),
    tool_input: jsonb("tool_input").$type<Record<string, unknown>>().notNull(),
    resumed_at: ts("resumed_at"),
    created_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.conversation_id, t.approval_request_id] }),
    index("conversation_approvals_request").on(t.approval_request_id),
    index("conversation_approvals_open").on(t.account_id).where(sql`${t.resumed_at} IS NULL`),
  ],
);
