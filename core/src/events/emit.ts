// Writes one fleet event inside the caller's transaction. The per-account sequence is taken with a
// row lock held to commit, so `seq` order equals commit order and SSE resume never skips a row.
// The same statement queues `pg_notify('fleet_events', '<account_id>:<last seq>')`, which PostgreSQL
// delivers only when the transaction commits: live subscribers hear of the rows after commit, and
// read them by seq, so payloads never pass through NOTIFY's 8 KB limit.

import { accounts, type DbOrTx, type EventSourceName, fleet_events } from "@nodepilot/store";
import { eq, sql } from "drizzle-orm";
import type { Principal } from "../auth/principal.ts";

/** Bare (`api`, `engine`…) or naming a component: `sensor:<name>`, `applier:<name>` (spec/autonomy.md §2.3). */
export type EventSource = EventSourceName;
export type Severity = "low" | "medium" | "high" | "critical";

const KIND = /^[a-z_]+(\.[a-z_]+)+$/;

/** The NOTIFY channel the live-event hubs listen on; the payload is `<account_id>:<seq>`. */
export const EVENTS_CHANNEL = "fleet_events";

export interface EventInput {
  /** Set only when the event carries an id minted elsewhere (an agent's outbox event). */
  id?: string;
  kind: string;
  severity?: Severity;
  payload?: Record<string, unknown>;
  subject_type?: string;
  subject_id?: string;
  node_id?: string | null;
  node_instance_id?: string | null;
  node_module_id?: string | null;
  module_version_id?: string | null;
  task_id?: string | null;
  certificate_id?: string | null;
  instance_pool_id?: string | null;
  cve_id?: string | null;
  /** The condition (kind + fingerprint) a signal or decision event is about. */
  fingerprint?: string | null;
  /** Overrides the origin's correlation id (agent events carry their own). */
  correlation_id?: string | null;
  /** When it happened, if not now (agent events replayed from an outbox). */
  emitted_at?: Date;
}

export interface EventOrigin {
  principal: Principal;
  source: EventSource;
  correlationId: string | null;
  now: Date;
}

const row = (origin: EventOrigin, seq: number, input: EventInput) => ({
  ...(input.id === undefined ? {} : { id: input.id }),
  account_id: origin.principal.accountId,
  seq,
  kind: input.kind,
  severity: input.severity ?? "low",
  payload: input.payload ?? {},
  correlation_id: input.correlation_id === undefined ? origin.correlationId : input.correlation_id,
  fingerprint: input.fingerprint ?? null,
  source: origin.source,
  actor_type: origin.principal.actorType,
  actor_id: origin.principal.actorId,
  subject_type: input.subject_type ?? null,
  subject_id: input.subject_id ?? null,
  node_id: input.node_id ?? null,
  node_instance_id: input.node_instance_id ?? null,
  node_module_id: input.node_module_id ?? null,
  module_version_id: input.module_version_id ?? null,
  task_id: input.task_id ?? null,
  certificate_id: input.certificate_id ?? null,
  instance_pool_id: input.instance_pool_id ?? null,
  cve_id: input.cve_id ?? null,
  emitted_at: input.emitted_at ?? origin.now,
});

/**
 * Several events of one account in two statements, taking the sequence lock once for the batch
 * (a lease or reaper batch of hundreds of tasks would otherwise spend two statements per event
 * while holding it). Returns the seqs in input order.
 */
export async function emitEvents(db: DbOrTx, origin: EventOrigin, inputs: readonly EventInput[]): Promise<number[]> {
  if (inputs.length === 0) return [];
  for (const input of inputs) {
    if (!KIND.test(input.kind)) throw new Error(`event kind ${input.kind} is not dotted snake_case`);
  }
  const [counter] = await db
    .update(accounts)
    .set({ event_seq: sql`${accounts.event_seq} + ${inputs.length}` })
    .where(eq(accounts.id, origin.principal.accountId))
    .returning({
      seq: accounts.event_seq,
      notified: sql`pg_notify(${EVENTS_CHANNEL}, ${accounts.id}::text || ':' || ${accounts.event_seq})`,
    });
  if (!counter) throw new Error(`account ${origin.principal.accountId} is missing`);
  const first = counter.seq - inputs.length + 1;
  await db.insert(fleet_events).values(inputs.map((input, i) => row(origin, first + i, input)));
  return inputs.map((_, i) => first + i);
}

export async function emitEvent(db: DbOrTx, origin: EventOrigin, input: EventInput): Promise<number> {
  const [seq] = await emitEvents(db, origin, [input]);
  return seq as number;
}
