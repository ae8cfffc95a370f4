// The contract between the task loop and a command handler (spec/agent.md §6): the handler gets
// its parsed payload, an abort signal tied to the lease and a throttled progress callback, and
// returns a result or throws a HandlerError saying whether a retry could help.
import type { z } from "zod";
import type { AgentEventSink } from "../outbox/outbox.ts";
import type { StatePaths } from "../state/state-dir.ts";

export interface HandlerContext<P> {
  payload: P;
  signal: AbortSignal;
  progress(percent: number, message?: string): void;
  paths: StatePaths;
  taskId: string;
  /** Where a handler reports what it saw (module.fetch_failed, module.verify_failed, …) via the outbox. */
  events?: AgentEventSink;
}

export interface TaskHandler<P = unknown> {
  command: string;
  payload: z.ZodType<P>;
  /** Safe to run again after a crash (spec/agent.md §6, crash recovery). */
  idempotent: boolean;
  run(ctx: HandlerContext<P>): Promise<Record<string, unknown>>;
}

export class HandlerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function defineHandler<P>(h: TaskHandler<P>): TaskHandler<unknown> {
  return h as TaskHandler<unknown>;
}
