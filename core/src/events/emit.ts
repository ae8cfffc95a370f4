// Writes one fleet event inside the caller's transaction. The per-account sequence is taken with a
// row lock held to commit, so `seq` order equals commit order and SSE resume never skips a row.

import { accounts, type DbOrTx, fleet_events } from "@nodepilot/store";
import { eq, sql } from "drizzle-orm";
import type { Principal } from "../auth/principal.ts";

export type EventSource = "api" | "mcp" | "agent" | "sensor" | "job" | "approval" | "system";
export type Severity = "low" | "medium" | "high" | "critical";

const KIND = /^[a-z_]+(\.[a-z_]+)+$/;

export interface EventInput {
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
}

export interface EventOrigin {
  principal: Principal;
  source: EventSource;
  correlationId: string | null;
  now: Date;
}

export async function emitEvent(db: DbOrTx, origin: EventOrigin, input: EventInput): Promise<number> {
  if (!KIND.test(input.kind)) throw new Error(`event kind ${input.kind} is not dotted snake_case`);
  const [row] = await db
    .update(accounts)
    .set({ event_seq: sql`${accounts.event_seq} + 1` })
    .where(eq(accounts.id, origin.principal.accountId))
    .returning({ seq: accounts.event_seq });
  if (!row) throw new Error(`account ${origin.principal.accountId} is missing`);
  await db.insert(fleet_events).values({
    account_id: origin.principal.accountId,
    seq: row.seq,
    kind: input.kind,
    severity: input.severity ?? "low",
    payload: input.payload ?? {},
    correlation_id: origin.correlationId,
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
    emitted_at: origin.now,
  });
  return row.seq;
}
