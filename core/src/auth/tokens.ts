// API token plaintexts, hashes and lookup. Plaintext: `npt_` + 32 random bytes base64url, shown once;
// stored as SHA-256 (spec/domain.md §1.1).
import { createHash, randomBytes } from "node:crypto";
import { accounts, api_tokens, type DbOrTx, users } from "@nodepilot/store";
import { and, eq, type SQL } from "drizzle-orm";
import { AppError } from "../errors.ts";
import type { Principal } from "./principal.ts";
import type { Role } from "./scopes.ts";

export function newTokenPlaintext(): string {
  return `npt_${randomBytes(32).toString("base64url")}`;
}

export function sha256Hex(input: string | Buffer): string {
  return createHash("sha256").update(input).digest("hex");
}

export const tokenPrefix = (plaintext: string) => plaintext.slice(0, 8);

const unauthenticated = (message: string) => new AppError("unauthenticated", message);

/** The principal a token stands for now, refusing a revoked or expired token and a disabled owner. */
async function lookupToken(db: DbOrTx, where: SQL, now: number): Promise<{ principal: Principal; tokenId: string }> {
  const rows = await db
    .select({
      token: api_tokens,
      accountStatus: accounts.status,
      userStatus: users.status,
      userRole: users.role,
    })
    .from(api_tokens)
    .innerJoin(accounts, eq(accounts.id, api_tokens.account_id))
    .leftJoin(users, eq(users.id, api_tokens.user_id))
    .where(where)
    .limit(1);
  const row = rows[0];
  if (!row) throw unauthenticated("unknown bearer token");
  const t = row.token;
  if (t.revoked_at) throw unauthenticated("token has been revoked");
  if (t.expires_at.getTime() <= now) throw unauthenticated("token has expired");
  if (t.user_id && row.userStatus !== "active") throw unauthenticated("token owner is disabled");
  if (row.accountStatus !== "active")
    throw new AppError("forbidden", "account is suspended", { reason: "account_suspended" });
  const principal: Principal = {
    accountId: t.account_id,
    userId: t.user_id,
    tokenId: t.id,
    role: (row.userRole as Role | null) ?? null,
    scopes: t.scopes,
    environmentIds: t.environment_ids,
    actorType: t.user_id ? "user" : "token",
    actorId: t.user_id ?? t.id,
    kind: "operator",
  };
  return { principal, tokenId: t.id };
}

/**
 * The principal of a token by id, as it stands now (an approved AI call runs as the token that asked
 * for it, so a token revoked or narrowed meanwhile runs nothing).
 */
export function principalForTokenId(db: DbOrTx, accountId: string, tokenId: string, now: Date): Promise<Principal> {
  return lookupToken(
    db,
    and(eq(api_tokens.id, tokenId), eq(api_tokens.account_id, accountId)) as SQL,
    now.getTime(),
  ).then((r) => r.principal);
}

interface CachedPrincipal {
  principal: Principal;
  tokenId: string;
  at: number;
}

/**
 * Resolves bearer tokens to principals. Revocation and expiry are re-read at most every
 * `cacheMs` (spec/mcp.md §4: cached ≤ 5 s); `last_used_at` is written at most once a minute.
 */
export class TokenAuthenticator {
  private readonly cache = new Map<string, CachedPrincipal>();
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly db: DbOrTx,
    private readonly cacheMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(plaintext: string | undefined, ip?: string): Promise<Principal> {
    if (!plaintext) throw unauthenticated("missing bearer token");
    if (!plaintext.startsWith("npt_")) throw unauthenticated("malformed bearer token");
    const hash = sha256Hex(plaintext);
    const now = this.now();
    const hit = this.cache.get(hash);
    if (hit && now - hit.at < this.cacheMs) return hit.principal;
    this.cache.delete(hash);
    const { principal, tokenId } = await lookupToken(this.db, eq(api_tokens.token_hash, hash), now);
    this.cache.set(hash, { principal, tokenId, at: now });
    const touched = this.lastTouched.get(tokenId) ?? 0;
    if (now - touched > 60_000) {
      this.lastTouched.set(tokenId, now);
      await this.db
        .update(api_tokens)
        .set({ last_used_at: new Date(now), last_used_ip: ip ?? null })
        .where(eq(api_tokens.id, tokenId));
    }
    return principal;
  }

  /** Forget cached lookups, e.g. right after a revoke in this process. */
  invalidate(): void {
    this.cache.clear();
  }
}
