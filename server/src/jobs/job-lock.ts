// The per-run job lock (spec/domain.md §5.3 "takes a distributed lock, and skips if the lock is
// held"), as a row with an expiry rather than an advisory lock: the embedded PGlite is one backend
// session shared by every connection, where a session-level advisory lock would never be refused,
// and a row lapses by itself when its holder dies without a session to end.
import type { Db } from "@nodepilot/store";
import { sql } from "drizzle-orm";

export async function acquireJobLock(db: Db, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = Date.now();
  const res = await db.execute(sql`
    INSERT INTO job_locks (name, holder, expires_at)
    VALUES (${name}, ${holder}, ${new Date(now + ttlMs)}::timestamptz)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE job_locks.expires_at <= ${new Date(now)}::timestamptz
    RETURNING holder`);
  return res.rows.length === 1;
}

export async function releaseJobLock(db: Db, name: string, holder: string): Promise<void> {
  await db.execute(sql`DELETE FROM job_locks WHERE name = ${name} AND holder = ${holder}`);
}
