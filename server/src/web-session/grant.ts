// What a sign-in is allowed to become: the user, role, scopes, environments and latest expiry of the
// web session a credential (email + password, or an existing API token) may open. Reads only; the
// session row is written by session-store.ts.
import { AppError, hasScope, type Role, type Scope, type TokenAuthenticator } from "@nodepilot/core";
import { accounts, api_tokens, type DbOrTx, users } from "@nodepilot/store";
import { and, eq, isNotNull } from "drizzle-orm";
import { verifyPassword } from "./password.ts";
import { effectiveScopes, roleScopes } from "./session-scopes.ts";

export type UserRow = typeof users.$inferSelect;

export interface SessionGrant {
  accountId: string;
  /** Null when an account-level (service) token signed in. */
  user: UserRow | null;
  role: Role | null;
  scopes: Scope[];
  /** Empty means every environment. */
  environmentIds: string[];
  /** The source token's expiry: a session never outlives the credential it came from. */
  notAfter: Date | null;
  method: "password" | "token";
  sourceTokenId: string | null;
}

/** One message for an unknown email and a wrong password, so neither is told apart. */
export const WRONG_PASSWORD = "email or password is wrong";

// Emails are unique per account, not per database: the same address may hold a password in a few
// accounts sharing one PostgreSQL. Bounded so one sign-in costs at most this many argon2 checks.
const MAX_CANDIDATES = 5;

export async function passwordGrant(db: DbOrTx, email: string, password: string): Promise<SessionGrant> {
  const candidates = await db
    .select({ user: users, accountStatus: accounts.status })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.account_id))
    .where(and(eq(users.email, email.trim().toLowerCase()), isNotNull(users.password_hash)))
    .orderBy(users.created_at, users.id)
    .limit(MAX_CANDIDATES);
  if (candidates.length === 0) await verifyPassword(password, null);
  const matched: typeof candidates = [];
  for (const c of candidates) if (await verifyPassword(password, c.user.password_hash)) matched.push(c);
  const [match, ...more] = matched;
  if (!match) throw new AppError("unauthenticated", WRONG_PASSWORD, { reason: "wrong_credentials" });
  if (more.length > 0) {
    throw new AppError(
      "conflict",
      "this email and password belong to users in several accounts; sign in with an API token of the account instead",
      { reason: "ambiguous_account" },
    );
  }
  if (match.user.status !== "active") {
    throw new AppError("unauthenticated", "this user is disabled", { reason: "user_disabled" });
  }
  if (match.accountStatus !== "active")
    throw new AppError("forbidden", "account is suspended", { reason: "account_suspended" });
  return {
    accountId: match.user.account_id,
    user: match.user,
    role: match.user.role,
    scopes: roleScopes(match.user.role),
    environmentIds: [],
    notAfter: null,
    method: "password",
    sourceTokenId: null,
  };
}

/**
 * A sign-in with an existing API token: the session gets that token's effective scopes and
 * environments (never more than it), and expires no later than it. A token without a user must
 * hold fleet:admin: the web UI is for people, and an account-level admin token is how an operator
 * gets in before any user has a password.
 */
export async function tokenGrant(
  db: DbOrTx,
  auth: TokenAuthenticator,
  token: string,
  ip: string | undefined,
): Promise<SessionGrant> {
  const principal = await auth.authenticate(token, ip);
  const tokenId = principal.tokenId as string;
  const [row] = await db.select().from(api_tokens).where(eq(api_tokens.id, tokenId));
  // Re-read past the authenticator's cache: a token revoked a moment ago opens nothing.
  if (!row || row.revoked_at) throw new AppError("unauthenticated", "token has been revoked");
  let user: UserRow | null = null;
  if (principal.userId) {
    [user = null] = await db.select().from(users).where(eq(users.id, principal.userId));
    if (user?.status !== "active") throw new AppError("unauthenticated", "token owner is disabled");
  } else if (!hasScope(principal.scopes, null, "fleet:admin")) {
    throw new AppError("forbidden", "a token without a user opens a web session only when it holds fleet:admin", {
      reason: "service_token",
    });
  }
  return {
    accountId: principal.accountId,
    user,
    role: principal.role,
    scopes: effectiveScopes(principal.scopes, principal.role),
    environmentIds: [...principal.environmentIds],
    notAfter: row.expires_at,
    method: "token",
    sourceTokenId: row.id,
  };
}
