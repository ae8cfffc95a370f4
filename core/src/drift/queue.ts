// Reading the drift queue: pages of condition rows turned into items, filtered by their computed
// status. Only resolved and auto-resolved are exact in SQL; open, remediating and snoozed depend
// on the clock, the remediation's tasks and waiting approvals, so the active rows are read a page at
// a time (keyset) and filtered here until the limit is met — all of them are current conditions,
// never the history.
import type { DbOrTx } from "@nodepilot/store";
import { AppError, notFound } from "../errors.ts";
import { loadAutonomySettings } from "../operations/autonomy-settings.ts";
import { type DriftKey, parseDriftItemId } from "./item-id.ts";
import { type DriftItem, driftItemOf, type ItemContext, namesWanted } from "./items.ts";
import type { DriftKind } from "./kinds.ts";
import { type CoarseStatus, type DriftRow, readAwaitingApprovals, readDriftRows, readNames } from "./read.ts";
import { ACTIVE_STATUSES, type DriftStatus } from "./status.ts";

const PAGE = 500;

export type StatusFilter = DriftStatus | "active";

const coarseOf = (f: StatusFilter): CoarseStatus =>
  f === "resolved" ? "resolved" : f === "auto_resolved" ? "auto_resolved" : "active";

const wanted = (f: StatusFilter, s: DriftStatus) => (f === "active" ? ACTIVE_STATUSES.includes(s) : f === s);

async function contextFor(db: DbOrTx, accountId: string, now: Date, rows: readonly DriftRow[]): Promise<ItemContext> {
  // One after another: inside a transaction they share one connection.
  const settings = await loadAutonomySettings(db, accountId);
  const awaiting = await readAwaitingApprovals(db, accountId);
  const names = await readNames(db, accountId, namesWanted(rows));
  return { now, settleSeconds: settings.settle_window_seconds, awaiting, names };
}

export async function itemsOf(db: DbOrTx, accountId: string, now: Date, rows: readonly DriftRow[]) {
  if (rows.length === 0) return [];
  const ctx = await contextFor(db, accountId, now, rows);
  return rows.map((r) => driftItemOf(r, ctx));
}

export interface ListQuery {
  accountId: string;
  now: Date;
  status: StatusFilter;
  kind?: DriftKind;
  instanceId?: string;
  limit: number;
}

/** Oldest first detection first; `has_more` when another item matches past the limit. */
export async function listDrift(db: DbOrTx, q: ListQuery): Promise<{ items: DriftItem[]; has_more: boolean }> {
  const out: DriftItem[] = [];
  let after: DriftRow | undefined;
  for (;;) {
    const rows = await readDriftRows(db, {
      accountId: q.accountId,
      coarse: coarseOf(q.status),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.instanceId ? { instanceId: q.instanceId } : {}),
      ...(after ? { after } : {}),
      limit: PAGE,
    });
    for (const item of await itemsOf(db, q.accountId, q.now, rows)) {
      if (!wanted(q.status, item.status)) continue;
      if (out.length === q.limit) return { items: out, has_more: true };
      out.push(item);
    }
    if (rows.length < PAGE) return { items: out, has_more: false };
    after = rows[rows.length - 1];
  }
}

/** An id's condition, or the error naming the field it came from. */
export function keyOf(id: string, field: string): DriftKey {
  const key = parseDriftItemId(id);
  if (!key) {
    throw new AppError("invalid_input", `${field}: ${id} is not a drift item id`, {
      errors: [{ path: field, message: "not a drift item id (as drift.list returns them)" }],
    });
  }
  return key;
}

export async function findRow(db: DbOrTx, accountId: string, key: DriftKey, id: string): Promise<DriftRow> {
  const [row] = await readDriftRows(db, { accountId, key, limit: 1 });
  if (!row) throw notFound("drift item", id);
  return row;
}
