// CHECK constraints for closed sets: drizzle's text enums are types only, so the database is told the
// allowed values too, and a bad write from any path (SQL, a later migration) fails at the row.
import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/** `column IN ('a', 'b', …)`; the values are the schema's own constants, inlined into the migration. */
export function inSet(column: AnyPgColumn, values: readonly string[]): SQL {
  for (const v of values) {
    if (!/^[a-z0-9_]+$/.test(v)) throw new Error(`closed-set value ${JSON.stringify(v)} must be snake_case`);
  }
  return sql`${column} IN (${sql.raw(values.map((v) => `'${v}'`).join(", "))})`;
}
