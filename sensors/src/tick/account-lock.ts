// One tick per account at a time (spec/autonomy.md §8): a session-level pg_try_advisory_lock on a
// connection held for the whole tick, so a crashed process's lock goes with its session. Embedded
// PGlite is a single backend session behind the wire front, where an advisory lock is re-entrant and
// never refused; there only this process can reach the database, so an in-process guard keyed by
// account does the refusing instead (the advisory lock is still taken, harmlessly).
import type { Database } from "@nodepilot/store";

/** The advisory-lock namespace of the tick (the first key of the two-int form). */
export const TICK_LOCK_NAMESPACE = 72_410_004;

export interface AccountLock {
  release(): Promise<void>;
}

export interface AccountLocks {
  /** The lock, or null when another tick of the account holds it. */
  tryAcquire(accountId: string): Promise<AccountLock | null>;
}

export function createAccountLocks(database: Database): AccountLocks {
  const held = new Set<string>();
  return {
    async tryAcquire(accountId) {
      if (database.kind === "embedded" && held.has(accountId)) return null;
      const client = await database.pool.connect();
      let got = false;
      try {
        const res = await client.query<{ got: boolean }>(
          "SELECT pg_try_advisory_lock($1::int4, hashtext($2::text)) AS got",
          [TICK_LOCK_NAMESPACE, accountId],
        );
        got = res.rows[0]?.got === true;
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
      if (!got || (database.kind === "embedded" && held.has(accountId))) {
        // Refused, or (embedded) another tick of this process got in first while we waited.
        if (got)
          await client.query("SELECT pg_advisory_unlock($1::int4, hashtext($2::text))", [
            TICK_LOCK_NAMESPACE,
            accountId,
          ]);
        client.release();
        return null;
      }
      if (database.kind === "embedded") held.add(accountId);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          held.delete(accountId);
          try {
            await client.query("SELECT pg_advisory_unlock($1::int4, hashtext($2::text))", [
              TICK_LOCK_NAMESPACE,
              accountId,
            ]);
            client.release();
          } catch (err) {
            // A broken session has lost its lock with it: drop the connection rather than reuse it.
            client.release(err as Error);
          }
        },
      };
    },
  };
}
