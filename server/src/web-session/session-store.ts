// Web sessions as api_tokens rows (docs/web-sessions.md): opening one issues a token with its fleet
// event and the user's last_login_at in one transaction; closing one revokes it with its event. So
// revocation, scope checks, audit and "an approved call runs as the token that asked" apply as-is.
import { randomUUID } from "node:crypto";
import { AppError, emitEvent, issueToken, type Principal } from "@nodepilot/core";
import { api_tokens, type Db, users } from "@nodepilot/store";
import { and, eq, isNull } from "drizzle-orm";
import type { SessionGrant } from "./grant.ts";

export const SESSION_TTL_MS = 12 * 3600_000;
export const SESSION_NAME_PREFIX = "web-session ";

export type TokenRow = typeof api_tokens.$inferSelect;

export interface RequestOrigin {
  now: Date;
  ip: string | undefined;
  correlationId: string | null;
}

function sessionPrincipal(row: TokenRow, grant: SessionGrant): Principal {
  return {
    accountId: row.account_id,
    userId: row.user_id,
    tokenId: row.id,
    role: grant.role,
    scopes: row.scopes,
    environmentIds: row.environment_ids,
    actorType: row.user_id ? "user" : "token",
    actorId: row.user_id ?? row.id,
    kind: "operator",
  };
}

export function startSession(
  db: Db,
  grant: SessionGrant,
  origin: RequestOrigin,
): Promise<{ plaintext: string; row: TokenRow }> {
  const ttlEnd = origin.now.getTime() + SESSION_TTL_MS;
  const expiresAt = new Date(grant.notAfter ? Math.min(ttlEnd, grant.notAfter.getTime()) : ttlEnd);
  return db.transaction(async (tx) => {
    const issued = await issueToken(tx, {
      accountId: grant.accountId,
      userId: grant.user?.id ?? null,
      name: `${SESSION_NAME_PREFIX}${randomUUID()}`,
      scopes: grant.scopes,
      environmentIds: grant.environmentIds,
      expiresAt,
    });
    // Not a user edit: neither version nor updated_at moves, so no admin's pending write goes stale.
    if (grant.user) await tx.update(users).set({ last_login_at: origin.now }).where(eq(users.id, grant.user.id));
    await emitEvent(
      tx,
      {
        principal: sessionPrincipal(issued.row, grant),
        source: "api",
        correlationId: origin.correlationId,
        now: origin.now,
      },
      {
        kind: "auth.session_started",
        payload: {
          method: grant.method,
          user_id: issued.row.user_id,
          token_prefix: issued.row.token_prefix,
          source_token_id: grant.sourceTokenId,
          scopes: issued.row.scopes,
          environment_ids: issued.row.environment_ids,
          expires_at: expiresAt.toISOString(),
          ip: origin.ip ?? null,
        },
        subject_type: "api_token",
        subject_id: issued.row.id,
      },
    );
    return issued;
  });
}

export const isSessionToken = (row: TokenRow) => row.name.startsWith(SESSION_NAME_PREFIX);

/** The token row behind a principal (its expiry and name are not on the principal). */
export async function tokenRow(db: Db, principal: Principal): Promise<TokenRow> {
  const [row] = principal.tokenId ? await db.select().from(api_tokens).where(eq(api_tokens.id, principal.tokenId)) : [];
  if (!row) throw new AppError("unauthenticated", "unknown bearer token");
  return row;
}

/** The user behind a principal, or null for an account-level token. */
export async function principalUser(db: Db, principal: Principal): Promise<typeof users.$inferSelect | null> {
  if (!principal.userId) return null;
  const [user] = await db.select().from(users).where(eq(users.id, principal.userId));
  return user ?? null;
}

/**
 * Revokes the web session the principal authenticated with. Only web sessions: a script calling
 * DELETE /session with its API token must not lose that token (api_token.revoke does that).
 */
export async function endSession(db: Db, principal: Principal, origin: RequestOrigin): Promise<void> {
  const row = await tokenRow(db, principal);
  if (!isSessionToken(row)) {
    throw new AppError(
      "conflict",
      "this credential is an API token, not a web session; revoke it with api_token.revoke",
      {
        reason: "not_a_session",
      },
    );
  }
  await db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(api_tokens)
      .set({ revoked_at: origin.now })
      .where(and(eq(api_tokens.id, row.id), isNull(api_tokens.revoked_at)))
      .returning();
    if (!revoked) return; // a concurrent sign-out got there first
    await emitEvent(
      tx,
      { principal, source: "api", correlationId: origin.correlationId, now: origin.now },
      {
        kind: "auth.session_ended",
        payload: { user_id: revoked.user_id, token_prefix: revoked.token_prefix },
        subject_type: "api_token",
        subject_id: revoked.id,
      },
    );
  });
}
