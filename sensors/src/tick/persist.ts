// The tick's writes: its fleet_ticks row, sensor cursors, condition states in one upsert, and the
// events that go with them. Each function runs inside the caller's transaction; the runner decides
// what commits together.
import { type EventInput, type EventOrigin, emitEvents, systemPrincipal } from "@nodepilot/core";
import { type DbOrTx, fleet_sensor_cursors, fleet_signal_states, fleet_ticks } from "@nodepilot/store";
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Signal } from "../signal.ts";
import type { ConditionState } from "./conditions.ts";

/** Ticks act as the account's Fleet Autonomy agent (spec/autonomy.md §0). */
export function tickOrigin(
  accountId: string,
  correlationId: string,
  now: Date,
  source: EventOrigin["source"],
): EventOrigin {
  return {
    principal: { ...systemPrincipal(accountId, ["autonomy:admin", "fleet:admin"]), actorId: "fleet-autonomy" },
    source,
    correlationId,
    now,
  };
}

/** Every open condition of the account, plus the cleared ones among `keys` (seen again this tick). */
export async function loadConditions(
  db: DbOrTx,
  accountId: string,
  keys: readonly { kind: string; fingerprint: string }[],
): Promise<ConditionState[]> {
  const kinds = keys.map((k) => k.kind);
  const fingerprints = keys.map((k) => k.fingerprint);
  const seenAgain =
    keys.length === 0
      ? sql`false`
      : sql`(${fleet_signal_states.kind}, ${fleet_signal_states.fingerprint}) IN (
          SELECT * FROM unnest(${`{${kinds.map(quote).join(",")}}`}::text[], ${`{${fingerprints.map(quote).join(",")}}`}::text[]))`;
  return db
    .select()
    .from(fleet_signal_states)
    .where(and(eq(fleet_signal_states.account_id, accountId), or(isNull(fleet_signal_states.cleared_at), seenAgain)));
}

/** An element of a PostgreSQL array literal. */
function quote(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

const CHUNK = 500;

/** Writes the states (whole rows) in as few statements as the parameter limit allows. */
export async function writeConditions(db: DbOrTx, states: readonly ConditionState[]): Promise<void> {
  for (let i = 0; i < states.length; i += CHUNK) {
    const chunk = states.slice(i, i + CHUNK);
    const set = Object.fromEntries(
      Object.keys(chunk[0]!)
        .filter((k) => !["account_id", "kind", "fingerprint"].includes(k))
        .map((k) => [k, sql.raw(`excluded.${k}`)]),
    );
    await db
      .insert(fleet_signal_states)
      .values(chunk)
      .onConflictDoUpdate({
        target: [fleet_signal_states.account_id, fleet_signal_states.kind, fleet_signal_states.fingerprint],
        set,
      });
  }
}

export async function stampDecided(db: DbOrTx, state: ConditionState, now: Date, severity: Signal["severity"]) {
  await db
    .update(fleet_signal_states)
    .set({ last_decided_at: now, last_decided_severity: severity })
    .where(
      and(
        eq(fleet_signal_states.account_id, state.account_id),
        eq(fleet_signal_states.kind, state.kind),
        eq(fleet_signal_states.fingerprint, state.fingerprint),
      ),
    );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidAt = (payload: Signal["payload"], ...keys: string[]): string | undefined => {
  for (const k of keys) {
    const v = payload[k];
    if (typeof v === "string" && UUID.test(v)) return v;
  }
  return undefined;
};

/** A signal as its fleet event (§2.3): refs explicit, else derived from the payload's id keys. */
export function signalEvent(signal: Signal): EventInput {
  const { refs, payload } = signal;
  return {
    kind: signal.kind,
    severity: signal.severity,
    payload,
    fingerprint: signal.fingerprint,
    node_id: refs.node_id ?? uuidAt(payload, "node_id") ?? null,
    node_instance_id: refs.node_instance_id ?? uuidAt(payload, "node_instance_id", "instance_id") ?? null,
    node_module_id: refs.node_module_id ?? uuidAt(payload, "node_module_id", "module_id") ?? null,
    module_version_id: refs.node_module_version_id ?? uuidAt(payload, "module_version_id") ?? null,
    certificate_id: refs.certificate_id ?? uuidAt(payload, "certificate_id") ?? null,
    cve_id: refs.cve_id ?? (typeof payload.cve_id === "string" ? payload.cve_id : null),
  };
}

/** Signal events, each batch under its sensor's source (`sensor:<name>`). */
export async function emitSignalEvents(
  db: DbOrTx,
  accountId: string,
  correlationId: string,
  now: Date,
  signals: readonly Signal[],
): Promise<number> {
  const bySensor = new Map<string, Signal[]>();
  for (const s of signals) bySensor.set(s.sensor, [...(bySensor.get(s.sensor) ?? []), s]);
  for (const [sensor, list] of bySensor) {
    const origin = tickOrigin(accountId, correlationId, now, `sensor:${sensor}`);
    for (let i = 0; i < list.length; i += CHUNK)
      await emitEvents(db, origin, list.slice(i, i + CHUNK).map(signalEvent));
  }
  return signals.length;
}

export async function emitEngineEvents(
  db: DbOrTx,
  accountId: string,
  correlationId: string,
  now: Date,
  events: readonly EventInput[],
): Promise<number> {
  const origin = tickOrigin(accountId, correlationId, now, "engine");
  for (let i = 0; i < events.length; i += CHUNK) await emitEvents(db, origin, events.slice(i, i + CHUNK));
  return events.length;
}

export async function loadCursors(db: DbOrTx, accountId: string) {
  const rows = await db.select().from(fleet_sensor_cursors).where(eq(fleet_sensor_cursors.account_id, accountId));
  return new Map(rows.map((r) => [r.sensor, r]));
}

export async function writeCursors(db: DbOrTx, rows: readonly (typeof fleet_sensor_cursors.$inferInsert)[]) {
  if (rows.length === 0) return;
  await db
    .insert(fleet_sensor_cursors)
    .values([...rows])
    .onConflictDoUpdate({
      target: [fleet_sensor_cursors.account_id, fleet_sensor_cursors.sensor],
      set: {
        cursor: sql.raw("excluded.cursor"),
        last_status: sql.raw("excluded.last_status"),
        last_run_at: sql.raw("excluded.last_run_at"),
        failure_event_at: sql.raw("excluded.failure_event_at"),
      },
    });
}

export async function insertTick(
  db: DbOrTx,
  row: {
    accountId: string;
    correlationId: string;
    trigger: "schedule" | "manual";
    startedAt: Date;
    status?: "running" | "skipped_locked";
  },
): Promise<string> {
  const [tick] = await db
    .insert(fleet_ticks)
    .values({
      account_id: row.accountId,
      correlation_id: row.correlationId,
      trigger: row.trigger,
      status: row.status ?? "running",
      started_at: row.startedAt,
      ...(row.status === "skipped_locked" ? { finished_at: row.startedAt } : {}),
    })
    .returning({ id: fleet_ticks.id });
  return tick!.id;
}

export async function finishTick(
  db: DbOrTx,
  id: string,
  values: Pick<typeof fleet_ticks.$inferInsert, "status" | "finished_at" | "phase_ms" | "sensors" | "counts" | "error">,
): Promise<void> {
  await db.update(fleet_ticks).set(values).where(eq(fleet_ticks.id, id));
}
