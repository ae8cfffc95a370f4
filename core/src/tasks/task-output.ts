// The operator-facing shape of a task and its events. The lease id (the holder's capability), the
// completion id and the payload digest stay internal.
import { TASK_STATES, TASK_SUBJECT_TYPES, type task_events, tasks } from "@nodepilot/store";
import { getTableColumns } from "drizzle-orm";
import { z } from "zod";
import { NullableTimestamp, Timestamp, toJson, Uuid } from "../schemas/common.ts";

export type TaskRow = typeof tasks.$inferSelect;
export type TaskEventRow = typeof task_events.$inferSelect;

export const TaskSchema = z.strictObject({
  id: Uuid,
  subject_type: z.enum(TASK_SUBJECT_TYPES),
  subject_id: Uuid,
  command: z.string(),
  payload: z.record(z.string(), z.unknown()),
  executor: z.enum(["agent", "control_plane"]),
  status: z.enum(TASK_STATES),
  progress: z.number().int(),
  priority: z.number().int(),
  exclusive: z.boolean(),
  idempotency_key: z.string().nullable(),
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  available_at: Timestamp,
  expires_at: Timestamp,
  lease_holder: z.string().nullable(),
  leased_at: NullableTimestamp,
  lease_expires_at: NullableTimestamp,
  lease_ttl_seconds: z.number().int(),
  timeout_seconds: z.number().int(),
  started_at: NullableTimestamp,
  completed_at: NullableTimestamp,
  cancel_requested_at: NullableTimestamp,
  cancel_reason: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  initiated_by_type: z.enum(["user", "token", "agent", "system", "approval"]),
  initiated_by_id: z.string().nullable(),
  approval_request_id: Uuid.nullable(),
  correlation_id: z.string().nullable(),
  retry_of_task_id: Uuid.nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type TaskOutput = z.infer<typeof TaskSchema>;

export const TaskEventSchema = z.strictObject({
  seq: z.number().int(),
  type: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
  created_at: Timestamp,
});

export function taskOut(row: TaskRow): TaskOutput {
  const { account_id: _a, lease_id: _l, completion_id: _c, payload_sha256: _p, ...rest } = row;
  return toJson(rest) as TaskOutput;
}

export function taskEventOut(row: TaskEventRow): z.infer<typeof TaskEventSchema> {
  return toJson({ seq: row.seq, type: row.type, message: row.message, data: row.data, created_at: row.created_at });
}

const columns = Object.entries(getTableColumns(tasks));

/** A row from raw SQL (`RETURNING t.*`), mapped the way drizzle maps its own selects (Dates, JSON). */
export function taskFromRaw(raw: Record<string, unknown>): TaskRow {
  const out: Record<string, unknown> = {};
  for (const [key, col] of columns) {
    const v = raw[col.name];
    out[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
  }
  return out as TaskRow;
}
