// Account-scoped lookups: a foreign account's id reads as not_found (spec/domain.md §0).

import type { DbOrTx } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { notFound } from "../errors.ts";

type Scoped = PgTable & { id: PgColumn; account_id: PgColumn };

export async function findInAccount<T extends Scoped>(
  db: DbOrTx,
  table: T,
  accountId: string,
  id: string,
  what: string,
  opts: { forUpdate?: boolean } = {},
): Promise<T["$inferSelect"]> {
  const q = db
    .select()
    .from(table as PgTable)
    .where(and(eq(table.id, id), eq(table.account_id, accountId)))
    .limit(1);
  const rows = (opts.forUpdate ? await q.for("update") : await q) as T["$inferSelect"][];
  const row = rows[0];
  if (!row) throw notFound(what, id);
  return row;
}
