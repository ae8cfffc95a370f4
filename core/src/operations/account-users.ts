// User administration (spec/domain.md §1.1): emails stored lower-case, optional argon2id passwords,
// and guards that keep an account from losing its last active owner. All of it needs fleet:admin.
import { randomBytes } from "node:crypto";
import { type DbOrTx, users } from "@nodepilot/store";
import { and, eq, ne, type SQL } from "drizzle-orm";
import { argon2id } from "hash-wasm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { conflict, forbidden } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { containsFilter, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdInput, NullableTimestamp, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const Role = z.enum(["owner", "admin", "operator", "viewer"]);
const Email = z.email({ message: "must be an email address" }).max(254);
const Password = z.string().min(12, "must be at least 12 characters").max(1024);

export const UserSchema = z.strictObject({
  id: Uuid,
  email: z.string(),
  display_name: z.string(),
  role: Role,
  status: z.enum(["active", "disabled"]),
  has_password: z.boolean(),
  last_login_at: NullableTimestamp,
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

type UserRow = typeof users.$inferSelect;

export function userOut(row: UserRow): z.infer<typeof UserSchema> {
  const { account_id: _a, password_hash, ...rest } = row;
  return toJson({ ...rest, has_password: password_hash !== null });
}

/** argon2id with the OWASP minimum profile (19 MiB, 2 passes, 1 lane), PHC-encoded with its salt. */
export async function hashPassword(password: string): Promise<string> {
  return argon2id({
    password,
    salt: randomBytes(16),
    parallelism: 1,
    iterations: 2,
    memorySize: 19456,
    hashLength: 32,
    outputType: "encoded",
  });
}

function requireOwnerFor(ctx: OpContext, what: string) {
  if (ctx.principal.role !== "owner") {
    throw forbidden(`only an owner may ${what}`, { reason: "owner_only" });
  }
}

/** Refuse a change that would leave the account with no active owner. Locks the owner rows. */
async function ensureAnotherOwner(db: DbOrTx, accountId: string, userId: string) {
  const others = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(eq(users.account_id, accountId), eq(users.role, "owner"), eq(users.status, "active"), ne(users.id, userId)),
    )
    .for("update");
  if (others.length === 0) {
    throw conflict("this is the account's last active owner", { reason: "last_owner" });
  }
}

export const userList = defineOperation({
  name: "user.list",
  title: "List users",
  description:
    "List the account's users, oldest first, optionally filtered by role, status or an email substring. Never returns password hashes (has_password says whether one is set). Needs fleet:admin.",
  examples: [
    { phrase: "list all users", input: {} },
    { phrase: "which users are disabled", input: { status: "disabled" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    role: Role.optional(),
    status: z.enum(["active", "disabled"]).optional(),
    email_contains: z.string().min(1).max(254).optional(),
  }),
  output: listOutput(UserSchema),
  scope: "fleet:admin",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/users" },
  async execute(ctx, input) {
    const { after, order } = pageClause({ createdAt: users.created_at, id: users.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(users.account_id, ctx.principal.accountId),
      input.role ? eq(users.role, input.role) : undefined,
      input.status ? eq(users.status, input.status) : undefined,
      containsFilter(users.email, input.email_contains),
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(users)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, userOut);
  },
});

export const userGet = defineOperation({
  name: "user.get",
  title: "Get a user",
  description:
    "Read one user by id: email, display name, role, status and last login. Never returns the password hash. Needs fleet:admin.",
  examples: [
    { phrase: "show user 0190…", input: { id: "<user id>" } },
    { phrase: "what role does this user have", input: { id: "<user id>" } },
  ],
  input: z.strictObject(IdInput),
  output: UserSchema,
  scope: "fleet:admin",
  effect: "read",
  http: { method: "GET", path: "/users/:id" },
  async execute(ctx, input) {
    return userOut(await findInAccount(ctx.db, users, ctx.principal.accountId, input.id, "user"));
  },
});

export const userCreate = defineOperation({
  name: "user.create",
  title: "Create a user",
  description:
    "Add a user to the account with a role (viewer reads, operator writes, admin and owner administer; only an owner may create another owner). The email is stored lower-case and must be unique in the account. An optional password (≥ 12 chars) is stored as an argon2id hash and never returned. Use api_token.create to give the user a token. Needs fleet:admin.",
  examples: [
    {
      phrase: "add ana@example.com as an operator",
      input: { email: "ana@example.com", display_name: "Ana", role: "operator" },
    },
    {
      phrase: "create a read-only user for the auditor",
      input: { email: "audit@example.com", display_name: "Auditor", role: "viewer" },
    },
  ],
  input: z.strictObject({
    email: Email,
    display_name: z.string().min(1).max(200),
    role: Role,
    password: Password.optional(),
  }),
  output: UserSchema,
  scope: "fleet:admin",
  effect: "write",
  actionCategory: "user.create",
  idempotent: true,
  http: { method: "POST", path: "/users" },
  async execute(ctx, input) {
    if (input.role === "owner") requireOwnerFor(ctx, "create an owner");
    const [row] = await ctx.db
      .insert(users)
      .values({
        account_id: ctx.principal.accountId,
        email: input.email.toLowerCase(),
        display_name: input.display_name,
        role: input.role,
        password_hash: input.password === undefined ? null : await hashPassword(input.password),
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .returning();
    if (!row) throw new Error("user insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "user.created",
      payload: { email: row.email, role: row.role },
      subject_type: "user",
      subject_id: row.id,
    });
    return userOut(row);
  },
});

export const userUpdate = defineOperation({
  name: "user.update",
  title: "Update a user",
  description:
    "Change a user's email, display name, role, status or password (null clears it). Disabling a user makes all of their API tokens stop authenticating within 5 seconds. Refused with conflict/last_owner when it would leave no active owner, and with conflict/self when you disable yourself; only an owner may grant or remove the owner role. Pass `version` to refuse a stale write. Needs fleet:admin.",
  examples: [
    { phrase: "disable user ana", input: { id: "<user id>", status: "disabled" } },
    { phrase: "make this user an admin", input: { id: "<user id>", role: "admin" } },
  ],
  input: z.strictObject({
    ...IdInput,
    version: z.number().int().positive().optional().describe("Expected current version (optimistic concurrency)."),
    email: Email.optional(),
    display_name: z.string().min(1).max(200).optional(),
    role: Role.optional(),
    status: z.enum(["active", "disabled"]).optional(),
    password: Password.nullable().optional(),
  }),
  output: UserSchema,
  scope: "fleet:admin",
  effect: "write",
  actionCategory: "user.update",
  idempotent: true,
  http: { method: "PATCH", path: "/users/:id" },
  async execute(ctx, input) {
    const current = await findInAccount(ctx.db, users, ctx.principal.accountId, input.id, "user", { forUpdate: true });
    if (input.version !== undefined && input.version !== current.version) {
      throw conflict(`user ${current.email} is at version ${current.version}, not ${input.version}`, {
        reason: "stale_version",
        details: { current_version: current.version },
      });
    }
    const roleChanges = input.role !== undefined && input.role !== current.role;
    if (roleChanges && (input.role === "owner" || current.role === "owner"))
      requireOwnerFor(ctx, "grant or remove the owner role");
    if (input.status === "disabled" && current.id === ctx.principal.userId) {
      throw conflict("you cannot disable your own user", { reason: "self" });
    }
    const losesOwner =
      current.role === "owner" && current.status === "active" && (roleChanges || input.status === "disabled");
    if (losesOwner) await ensureAnotherOwner(ctx.db, ctx.principal.accountId, current.id);
    const { id: _id, version: _v, password, email, ...rest } = input;
    const changes: Partial<UserRow> = { ...rest };
    if (email !== undefined) changes.email = email.toLowerCase();
    if (password !== undefined) changes.password_hash = password === null ? null : await hashPassword(password);
    const [row] = await ctx.db
      .update(users)
      .set({ ...changes, version: current.version + 1, updated_at: ctx.now })
      .where(and(eq(users.id, current.id), eq(users.version, current.version)))
      .returning();
    if (!row) throw conflict("user changed concurrently", { reason: "stale_version" });
    await emitEvent(ctx.db, ctx, {
      kind: "user.updated",
      severity: input.status === "disabled" || roleChanges ? "medium" : "low",
      // Field names only: a password, even hashed, never enters the event log.
      payload: {
        fields: Object.keys(input).filter((k) => k !== "id" && k !== "version"),
        role: row.role,
        status: row.status,
      },
      subject_type: "user",
      subject_id: row.id,
    });
    return userOut(row);
  },
});

export const userDelete = defineOperation({
  name: "user.delete",
  title: "Delete a user",
  description:
    "Delete a user and all of their API tokens. Refused with conflict/last_owner for the last active owner and conflict/self for your own user; only an owner may delete an owner. To keep history and just block access, use user.update with status disabled instead. Needs fleet:admin.",
  examples: [
    { phrase: "delete user ana", input: { id: "<user id>" } },
    { phrase: "remove the auditor account", input: { id: "<user id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "user.delete",
  idempotent: true,
  http: { method: "DELETE", path: "/users/:id" },
  async execute(ctx, input) {
    const user = await findInAccount(ctx.db, users, ctx.principal.accountId, input.id, "user", { forUpdate: true });
    if (user.id === ctx.principal.userId) throw conflict("you cannot delete your own user", { reason: "self" });
    if (user.role === "owner") {
      requireOwnerFor(ctx, "delete an owner");
      if (user.status === "active") await ensureAnotherOwner(ctx.db, ctx.principal.accountId, user.id);
    }
    await ctx.db.delete(users).where(eq(users.id, user.id));
    await emitEvent(ctx.db, ctx, {
      kind: "user.deleted",
      severity: "medium",
      payload: { email: user.email, role: user.role },
      subject_type: "user",
      subject_id: user.id,
    });
    return { id: user.id, deleted: true as const };
  },
});

export const userOperations = [userList, userGet, userCreate, userUpdate, userDelete];
