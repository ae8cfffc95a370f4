// Cursor pagination, stable by (created_at, id) (spec/domain.md §5.1). The cursor is opaque base64url.
import { and, asc, desc, ilike, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { invalidInput } from "../errors.ts";

export const listInputShape = {
  limit: z.number().int().min(1).max(200).default(50).describe("Page size, 1–200 (default 50)."),
  cursor: z.string().min(1).optional().describe("Opaque cursor from a previous page's next_cursor."),
};

export const listOutput = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z.array(item),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  });

interface Cursor {
  t: string;
  i: string;
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Cursor;
    if (typeof c.t !== "string" || typeof c.i !== "string" || Number.isNaN(Date.parse(c.t))) throw new Error();
    return c;
  } catch {
    throw invalidInput("cursor: not a cursor from this API", [{ path: "cursor", message: "malformed cursor" }]);
  }
}

const encodeCursor = (t: Date, i: string) =>
  Buffer.from(JSON.stringify({ t: t.toISOString(), i })).toString("base64url");

export interface PageColumns {
  createdAt: PgColumn;
  id: PgColumn;
}

/** The WHERE fragment and ORDER BY for one page. Ascending unless `newestFirst`. */
export function pageClause(cols: PageColumns, cursor: string | undefined, newestFirst = false) {
  const c = decodeCursor(cursor);
  const after: SQL | undefined = c
    ? newestFirst
      ? sql`(${cols.createdAt}, ${cols.id}) < (${c.t}::timestamptz, ${c.i}::uuid)`
      : sql`(${cols.createdAt}, ${cols.id}) > (${c.t}::timestamptz, ${c.i}::uuid)`
    : undefined;
  const order = newestFirst ? [desc(cols.createdAt), desc(cols.id)] : [asc(cols.createdAt), asc(cols.id)];
  return { after, order };
}

/** Turn `limit + 1` fetched rows into a page. */
export function toPage<R extends { created_at: Date; id: string }, T>(rows: R[], limit: number, map: (r: R) => T) {
  const has_more = rows.length > limit;
  const page = has_more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(map),
    has_more,
    next_cursor: has_more && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

export const whereAll = (...parts: (SQL | undefined)[]) => and(...parts.filter((p): p is SQL => p !== undefined));

/** Escape LIKE wildcards so user text matches literally. */
export const likeEscape = (text: string) => text.replace(/[%_\\]/g, "\\$&");

/** Case-insensitive substring filter, or nothing when no text is given. */
export const containsFilter = (column: PgColumn, text: string | undefined): SQL | undefined =>
  text ? ilike(column, `%${likeEscape(text)}%`) : undefined;
