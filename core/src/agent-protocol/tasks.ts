// Task lease protocol messages (spec/agent.md §6).
import { z } from "zod";
import { ProtoTimestamp, ProtoUuid } from "./primitives.ts";

const CommandName = z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, "must be a command name");

export const LeaseRequest = z.strictObject({
  max: z.int().min(1).max(16),
  commands: z.array(CommandName).min(1).max(200),
  wait_seconds: z.int().min(0).max(20).default(0),
});
export type LeaseRequest = z.input<typeof LeaseRequest>;

export const LeasedTask = z.strictObject({
  id: ProtoUuid,
  command: z.string(),
  payload: z.record(z.string(), z.unknown()),
  lease_id: ProtoUuid,
  lease_expires_at: ProtoTimestamp,
  lease_ttl_seconds: z.int(),
  attempt: z.int(),
  max_attempts: z.int(),
  timeout_seconds: z.int(),
  exclusive: z.boolean(),
});
export type LeasedTask = z.infer<typeof LeasedTask>;

export const LeaseResponse = z.strictObject({ tasks: z.array(LeasedTask) });
export type LeaseResponse = z.infer<typeof LeaseResponse>;

export const StartRequest = z.strictObject({ lease_id: ProtoUuid });
export type StartRequest = z.infer<typeof StartRequest>;
export const StartResponse = z.strictObject({ status: z.literal("running"), lease_expires_at: ProtoTimestamp });
export type StartResponse = z.infer<typeof StartResponse>;

export const RenewRequest = z.strictObject({
  lease_id: ProtoUuid,
  progress: z.int().min(0).max(100).optional(),
  message: z.string().max(1000).optional(),
});
export type RenewRequest = z.infer<typeof RenewRequest>;
export const RenewResponse = z.strictObject({ lease_expires_at: ProtoTimestamp });
export type RenewResponse = z.infer<typeof RenewResponse>;

export const CompleteRequest = z.strictObject({
  lease_id: ProtoUuid,
  completion_id: ProtoUuid,
  result: z.record(z.string(), z.unknown()),
});
export type CompleteRequest = z.infer<typeof CompleteRequest>;
export const CompleteResponse = z.strictObject({ status: z.enum(["succeeded", "deferred"]) });
export type CompleteResponse = z.infer<typeof CompleteResponse>;

export const FailRequest = z.strictObject({
  lease_id: ProtoUuid,
  completion_id: ProtoUuid,
  error_code: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, "must be a snake_case code"),
  error_message: z.string().max(4000),
  retryable: z.boolean(),
});
export type FailRequest = z.infer<typeof FailRequest>;
export const FailResponse = z.strictObject({
  status: z.enum(["failed", "pending"]),
  next_attempt_at: ProtoTimestamp.optional(),
});
export type FailResponse = z.infer<typeof FailResponse>;

export const AGENT_TASK_STATUSES = [
  "pending",
  "leased",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
] as const;

export const TaskStatusResponse = z.strictObject({
  id: ProtoUuid,
  status: z.enum(AGENT_TASK_STATUSES),
  lease_id: ProtoUuid.nullable(),
  lease_expires_at: ProtoTimestamp.nullable(),
  attempt: z.int(),
});
export type TaskStatusResponse = z.infer<typeof TaskStatusResponse>;
