// API token administration (spec/domain.md §1.1): a plaintext shown once at creation, scopes never
// wider than the caller's own, at most a year of life, and revocation by timestamp. Listing and
// revoking need fleet:admin; creation is a REST-only (returns_secret) operation.
import { api_tokens, environments, users } from "@nodepilot/store";
import { and, eq, gt, inArray, isNotNull, isNull, lte, type SQL } from "drizzle-orm";
import { z } from "zod";
import { issueToken } from "../auth/issue-token.ts";
import { hasScope, type Role, roleAllows, ScopeSchema } from "../auth/scopes.ts";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { conflict, type FieldError, forbidden, invalidInput } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdInput, NullableTimestamp, ResourceName, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const MAX_LIFETIME_MS = 365 * 86400_000;
const TokenState = z.enum(["active", "revoked", "expired"]);

export const ApiTokenSchema = z.strictObject({
  id: Uuid,
  user_id: Uuid.nullable(),
  name: z.string(),
  token_prefix: z.string(),
  scopes: z.array(z.string()),
  environment_ids: z.array(Uuid),
  expires_at: Timestamp,
  last_used_at: NullableTimestamp,
  last_used_ip: z.string().nullable(),
  revoked_at: NullableTimestamp,
  state: TokenState,
  created_at: Timestamp,
});

type TokenRow = typeof api_tokens.$inferSelect;

function tokenState(row: TokenRow, now: Date): z.infer<typeof TokenState> {
  if (row.revoked_at) return "revoked";
  return row.expires_at.getTime() <= now.getTime() ? "expired" : "active";
}

/** The row without its hash; the hash is a secret-equivalent and never leaves the store. */
export function apiTokenOut(row: TokenRow, now: Date): z.infer<typeof ApiTokenSchema> {
  const { account_id: _a, token_hash: _h, ...rest } = row;
  return toJson({ ...rest, state: tokenState(row, now) });
}

/** The owner of the new token and the role that caps it; another user's token needs fleet:admin. */
async function tokenOwner(
  ctx: OpContext,
  userId: string | undefined,
): Promise<{ id: string | null; role: Role | null }> {
  const self = ctx.principal.userId;
  if (userId === undefined || userId === self) return { id: self, role: ctx.principal.role };
  if (!hasScope(ctx.principal.scopes, ctx.principal.role, "fleet:admin")) {
    throw forbidden("creating a token for another user requires scope fleet:admin", {
      reason: "missing_scope",
      details: { required_scope: "fleet:admin" },
    });
  }
  const user = await findInAccount(ctx.db, users, ctx.principal.accountId, userId, "user");
  if (user.status !== "active") throw conflict(`user ${user.email} is disabled`, { reason: "user_disabled" });
  return { id: user.id, role: user.role };
}

async function checkEnvironments(ctx: OpContext, requested: string[] | undefined): Promise<string[]> {
  const callerEnvs = ctx.principal.environmentIds;
  const ids = requested ?? [...callerEnvs];
  if (callerEnvs.length > 0) {
    if (ids.length === 0 || ids.some((e) => !callerEnvs.includes(e))) {
      throw forbidden("a token may not reach environments beyond the caller's own", {
        reason: "environment_exceeds_caller",
      });
    }
  }
  if (ids.length === 0) return [];
  const found = await ctx.db
    .select({ id: environments.id })
    .from(environments)
    .where(and(eq(environments.account_id, ctx.principal.accountId), inArray(environments.id, ids)));
  const known = new Set(found.map((r) => r.id));
  const errors: FieldError[] = ids.flatMap((e, i) =>
    known.has(e) ? [] : [{ path: `environment_ids.${i}`, message: "unknown environment" }],
  );
  if (errors.length) throw invalidInput(`${errors[0]?.path}: unknown environment`, errors);
  return ids;
}

export const apiTokenCreate = defineOperation({
  name: "api_token.create",
  title: "Create an API token",
  description:
    "Issue a bearer token (npt_…) for yourself, or with fleet:admin for another active user. Scopes are <domain>:<read|write|admin> and may not exceed your own effective scopes; environment_ids narrows the token (empty means all, and a narrowed caller can only issue within its own environments). expires_at is required and at most 365 days ahead. The plaintext is returned once and never again; only its 8-character prefix is kept for display.",
  examples: [
    {
      phrase: "create a read-only CI token for 30 days",
      input: { name: "ci-reader", scopes: ["fleet:read"], expires_at: "2026-01-31T00:00:00Z" },
    },
    {
      phrase: "token for the deploy bot with fleet write",
      input: { name: "deploy-bot", scopes: ["fleet:write"], expires_at: "2026-06-30T00:00:00Z" },
    },
  ],
  input: z.strictObject({
    name: ResourceName.describe("Unique per account."),
    scopes: z.array(ScopeSchema).min(1).max(18),
    environment_ids: z
      .array(Uuid)
      .max(50)
      .optional()
      .describe("Empty or absent: every environment the caller can reach."),
    expires_at: Timestamp.describe("RFC 3339; in the future and at most 365 days ahead."),
    user_id: Uuid.optional().describe("Defaults to the caller's own user; another user's id needs fleet:admin."),
  }),
  output: z.strictObject({ token: z.string().startsWith("npt_"), api_token: ApiTokenSchema }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "api_token.create",
  idempotent: true,
  returnsSecret: true,
  http: { method: "POST", path: "/api_tokens" },
  async execute(ctx, input) {
    const expiresAt = new Date(input.expires_at);
    if (expiresAt.getTime() <= ctx.now.getTime()) {
      throw invalidInput("expires_at: must be in the future", [
        { path: "expires_at", message: "must be in the future" },
      ]);
    }
    if (expiresAt.getTime() - ctx.now.getTime() > MAX_LIFETIME_MS) {
      throw invalidInput("expires_at: at most 365 days ahead", [
        { path: "expires_at", message: "at most 365 days ahead" },
      ]);
    }
    const scopes = [...new Set(input.scopes)];
    const beyond = scopes.filter((s) => !hasScope(ctx.principal.scopes, ctx.principal.role, s));
    if (beyond.length) {
      throw forbidden(`scopes ${beyond.join(", ")} exceed your own`, {
        reason: "scope_exceeds_caller",
        details: { scopes: beyond },
      });
    }
    const owner = await tokenOwner(ctx, input.user_id);
    const overRole = scopes.flatMap((s, i) =>
      roleAllows(owner.role, s) ? [] : [{ path: `scopes.${i}`, message: `exceeds the user's ${owner.role} role` }],
    );
    if (overRole.length) throw invalidInput(`${overRole[0]?.path}: ${overRole[0]?.message}`, overRole);
    const environmentIds = await checkEnvironments(ctx, input.environment_ids);
    const { plaintext, row } = await issueToken(ctx.db, {
      accountId: ctx.principal.accountId,
      userId: owner.id,
      name: input.name,
      scopes,
      environmentIds,
      expiresAt,
    });
    await emitEvent(ctx.db, ctx, {
      kind: "api_token.created",
      payload: {
        name: row.name,
        token_prefix: row.token_prefix,
        scopes,
        user_id: row.user_id,
        expires_at: expiresAt.toISOString(),
      },
      subject_type: "api_token",
      subject_id: row.id,
    });
    return { token: plaintext, api_token: apiTokenOut(row, ctx.now) };
  },
});

export const apiTokenList = defineOperation({
  name: "api_token.list",
  title: "List API tokens",
  description:
    "List the account's API tokens, oldest first, with prefix, scopes, environments, expiry, last use and state (active, revoked, expired). Filter by user_id or state. Never returns plaintexts or hashes. Needs fleet:admin.",
  examples: [
    { phrase: "list all active tokens", input: { state: "active" } },
    { phrase: "which tokens does this user have", input: { user_id: "<user id>" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    user_id: Uuid.optional(),
    state: TokenState.optional(),
  }),
  output: listOutput(ApiTokenSchema),
  scope: "fleet:admin",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/api_tokens" },
  async execute(ctx, input) {
    const { after, order } = pageClause({ createdAt: api_tokens.created_at, id: api_tokens.id }, input.cursor);
    const byState: Record<z.infer<typeof TokenState>, SQL | undefined> = {
      active: and(isNull(api_tokens.revoked_at), gt(api_tokens.expires_at, ctx.now)),
      revoked: isNotNull(api_tokens.revoked_at),
      expired: and(isNull(api_tokens.revoked_at), lte(api_tokens.expires_at, ctx.now)),
    };
    const rows = await ctx.db
      .select()
      .from(api_tokens)
      .where(
        whereAll(
          eq(api_tokens.account_id, ctx.principal.accountId),
          input.user_id ? eq(api_tokens.user_id, input.user_id) : undefined,
          input.state ? byState[input.state] : undefined,
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, (r) => apiTokenOut(r, ctx.now));
  },
});

export const apiTokenRevoke = defineOperation({
  name: "api_token.revoke",
  title: "Revoke an API token",
  description:
    "Revoke an API token: it stops authenticating within 5 seconds on every API replica. Irreversible; issue a new token with api_token.create instead. Revoking an already revoked token is conflict/already_revoked. Needs fleet:admin.",
  examples: [
    { phrase: "revoke token 0190…", input: { id: "<token id>" } },
    { phrase: "kill the leaked CI token", input: { id: "<token id>" } },
  ],
  input: z.strictObject(IdInput),
  output: ApiTokenSchema,
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "api_token.revoke",
  idempotent: true,
  http: { method: "POST", path: "/api_tokens/:id/revoke", status: 200 },
  async execute(ctx, input) {
    const token = await findInAccount(ctx.db, api_tokens, ctx.principal.accountId, input.id, "api token", {
      forUpdate: true,
    });
    if (token.revoked_at) {
      throw conflict(`token ${token.name} is already revoked`, { reason: "already_revoked", current_state: "revoked" });
    }
    const [row] = await ctx.db
      .update(api_tokens)
      .set({ revoked_at: ctx.now })
      .where(eq(api_tokens.id, token.id))
      .returning();
    if (!row) throw new Error("token update returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "api_token.revoked",
      severity: "medium",
      payload: { name: row.name, token_prefix: row.token_prefix, user_id: row.user_id },
      subject_type: "api_token",
      subject_id: row.id,
    });
    return apiTokenOut(row, ctx.now);
  },
});

export const apiTokenOperations = [apiTokenCreate, apiTokenList, apiTokenRevoke];
