// Column helpers shared by every table: UUIDv7 ids, tenancy, timestamps, optimistic versions.
import { sql } from "drizzle-orm";
import { integer, timestamp, uuid } from "drizzle-orm/pg-core";
import { uuidv7 } from "uuidv7";

export const id = () =>
  uuid("id")
    .primaryKey()
    .$defaultFn(() => uuidv7());

export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

// Millisecond precision so that timestamps round-trip through JSON (RFC 3339) and list cursors exactly.
export const createdAt = () => ts("created_at").notNull().default(sql`date_trunc('milliseconds', clock_timestamp())`);
export const updatedAt = () => ts("updated_at").notNull().default(sql`date_trunc('milliseconds', clock_timestamp())`);

export const version = () => integer("version").notNull().default(1);

export const newId = (): string => uuidv7();
