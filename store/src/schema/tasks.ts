// Tasks: one unit of work on one subject, leased by an executor (spec/domain.md §1.3, §2.2).
import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const TASK_STATES = ["pending", "leased", "running", "succeeded", "failed", "cancelled", "expired"] as const;
export const TASK_SUBJECT_TYPES = [
  "node",
  "node_instance",
  "provider_connection",
  "provider_region",
  "provider_network",
  "provider_volume",
  "provider_volume_snapshot",
] as const;

export const tasks = pgTable(
  "tasks",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    subject_type: text("subject_type", { enum: TASK_SUBJECT_TYPES }).notNull(),
    subject_id: uuid("subject_id").notNull(),
    command: text("command").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    executor: text("executor", { enum: ["agent", "control_plane"] }).notNull(),
    status: text("status", { enum: TASK_STATES }).notNull().default("pending"),
    progress: integer("progress").notNull().default(0),
    priority: integer("priority").notNull().default(0),
    exclusive: boolean("exclusive").notNull().default(false),
    idempotency_key: text("idempotency_key"),
    payload_sha256: text("payload_sha256").notNull(),
    attempt: integer("attempt").notNull().default(0),
    max_attempts: integer("max_attempts").notNull().default(3),
    available_at: ts("available_at").notNull().default(sql`date_trunc('milliseconds', clock_timestamp())`),
    expires_at: ts("expires_at").notNull(),
    lease_id: uuid("lease_id"),
    lease_holder: text("lease_holder"),
    leased_at: ts("leased_at"),
    lease_expires_at: ts("lease_expires_at"),
    lease_ttl_seconds: integer("lease_ttl_seconds").notNull().default(120),
    timeout_seconds: integer("timeout_seconds").notNull().default(3600),
    started_at: ts("started_at"),
    completed_at: ts("completed_at"),
    cancel_requested_at: ts("cancel_requested_at"),
    cancel_reason: text("cancel_reason"),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error_code: text("error_code"),
    error_message: text("error_message"),
    completion_id: text("completion_id"),
    initiated_by_type: text("initiated_by_type", { enum: ["user", "token", "agent", "system", "approval"] }).notNull(),
    initiated_by_id: text("initiated_by_id"),
    approval_request_id: uuid("approval_request_id"),
    correlation_id: text("correlation_id"),
    retry_of_task_id: uuid("retry_of_task_id"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("tasks_idempotency").on(t.account_id, t.idempotency_key),
    index("tasks_lease_queue")
      .on(t.executor, t.priority.desc(), t.available_at, t.created_at)
      .where(sql`status = 'pending'`),
    index("tasks_subject").on(t.subject_type, t.subject_id, t.status),
    index("tasks_account_created").on(t.account_id, t.created_at, t.id),
    index("tasks_lease_expiry").on(t.lease_expires_at).where(sql`status in ('leased','running')`),
  ],
);

export const task_events = pgTable(
  "task_events",
  {
    id: id(),
    task_id: uuid("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    type: text("type").notNull(),
    message: text("message").notNull().default(""),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("task_events_seq").on(t.task_id, t.seq)],
);
