// A typed job (spec/domain.md §5.3): name, zod payload, timeout, attempts and backoff, declared once
// and shared by whoever enqueues it and whichever worker runs it (DESIGN.md §5b, trigger.dev's worker
// catalog). The handler is not part of the definition, so a producer needs no worker code.
import type { Logger } from "@nodepilot/core";
import type { z } from "zod";

export interface Backoff {
  /** `exponential` waits delayMs · 2^(attempt−1) before the next attempt, as BullMQ does. */
  type: "fixed" | "exponential";
  delayMs: number;
}

export interface JobDefinition<N extends string = string, P extends z.ZodType = z.ZodType> {
  name: N;
  description: string;
  /** Parsed on enqueue and again on dequeue; JSON only (no transforms), since it is stored as JSON. */
  payload: P;
  /** A run still going after this long fails (its signal aborts) and counts as a failed attempt. */
  timeoutMs: number;
  /** Total attempts, the first included. */
  attempts: number;
  backoff: Backoff;
  /**
   * Every run takes this lock and is recorded as `skipped` when another run holds it. The lock
   * lapses after ttlMs even if its holder died; a run that timed out keeps it until then, since its
   * work may still be going.
   */
  lock?: { ttlMs: number };
}

export type AnyJob = JobDefinition<string, z.ZodType>;
export type JobCatalog = readonly AnyJob[];
export type JobName<C extends JobCatalog> = C[number]["name"];
type JobOf<C extends JobCatalog, N extends JobName<C>> = Extract<C[number], { name: N }>;
export type PayloadIn<C extends JobCatalog, N extends JobName<C>> = z.input<JobOf<C, N>["payload"]>;
type PayloadOut<C extends JobCatalog, N extends JobName<C>> = z.output<JobOf<C, N>["payload"]>;

export interface JobContext {
  /** The backend's id of the queued job; shared by its retries. */
  jobId: string;
  /** 1 for the first attempt; a retry after a stall or a failure counts up. */
  attempt: number;
  /** Aborted when the run times out or its worker loses the job; long work should stop then. */
  signal: AbortSignal;
  /** The occurrence a scheduled run stands for; undefined for a job enqueued directly. */
  scheduledFor: Date | undefined;
  logger: Logger;
}

/** What a run reports; stored as job_runs.stats. */
export type JobStats = Record<string, unknown>;
// biome-ignore lint/suspicious/noConfusingVoidType: a handler with nothing to report returns nothing.
export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<JobStats | undefined | void>;
export type JobHandlers<C extends JobCatalog> = { [N in JobName<C>]: JobHandler<PayloadOut<C, N>> };

export function defineJob<const N extends string, P extends z.ZodType>(def: JobDefinition<N, P>): JobDefinition<N, P> {
  if (!/^[a-z][a-z0-9_.]*$/.test(def.name)) throw new Error(`job name ${def.name} must be lower snake_case`);
  if (!Number.isInteger(def.attempts) || def.attempts < 1) throw new Error(`${def.name}: attempts must be ≥ 1`);
  if (!(def.timeoutMs > 0) || !(def.backoff.delayMs >= 0)) throw new Error(`${def.name}: bad timeout or backoff`);
  return Object.freeze(def);
}

/** The wait before attempt `attemptsMade + 1`, after `attemptsMade` attempts failed. */
export function backoffDelay(backoff: Backoff, attemptsMade: number): number {
  if (backoff.type === "fixed") return backoff.delayMs;
  return Math.round(backoff.delayMs * 2 ** Math.max(0, attemptsMade - 1));
}

/** The catalog by name, refusing duplicates. */
export function indexCatalog(catalog: JobCatalog): Map<string, AnyJob> {
  const byName = new Map<string, AnyJob>();
  for (const job of catalog) {
    if (byName.has(job.name)) throw new Error(`job ${job.name} is defined twice`);
    byName.set(job.name, job);
  }
  return byName;
}
