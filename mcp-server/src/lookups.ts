// Prompt arguments name things the way an operator does: an instance or module by id or by name, a
// version by number. The catalog's list operations have no exact-name filter, so these are single
// account-scoped queries, each behind the scope of the get operation it stands in for. Anything
// unknown is InvalidParams naming the argument.
import { invalidArgument, isUuid, type SessionReads } from "./session-reads.ts";

/** Instances by id or name; a name shared across nodes is answered by the live one, or refused as ambiguous. */
export async function resolveInstanceId(reads: SessionReads, arg: string, ref: string): Promise<string> {
  reads.permit("instance_get");
  const accountId = reads.principal.accountId;
  const rows = await reads.db.query.node_instances.findMany({
    columns: { id: true, status: true },
    where: (t, { and, eq, sql }) =>
      and(eq(t.account_id, accountId), isUuid(ref) ? eq(t.id, ref) : sql`lower(${t.name}) = lower(${ref})`),
    orderBy: (t, { asc }) => [asc(t.created_at), asc(t.id)],
    limit: 20,
  });
  if (rows.length === 0) throw invalidArgument(arg, `no instance with id or name ${JSON.stringify(ref)}`);
  if (rows.length === 1) return rows[0]!.id;
  const live = rows.filter((r) => r.status !== "terminated");
  if (live.length === 1) return live[0]!.id;
  const ids = (live.length > 0 ? live : rows).map((r) => r.id);
  throw invalidArgument(arg, `${JSON.stringify(ref)} names ${ids.length} instances (${ids.join(", ")}); pass an id`);
}

/** Modules by id or (case-insensitive, unique per account) name. */
export async function resolveModuleId(reads: SessionReads, arg: string, ref: string): Promise<string> {
  reads.permit("module_get");
  const accountId = reads.principal.accountId;
  const row = await reads.db.query.node_modules.findFirst({
    columns: { id: true },
    where: (t, { and, eq, sql }) =>
      and(eq(t.account_id, accountId), isUuid(ref) ? eq(t.id, ref) : sql`lower(${t.name}) = lower(${ref})`),
  });
  if (!row) throw invalidArgument(arg, `no module with id or name ${JSON.stringify(ref)}`);
  return row.id;
}

/** A version of the module by id, number (`3` or `v3`) or source version (`1.25.4`); numbers win. */
export async function resolveVersionId(
  reads: SessionReads,
  arg: string,
  moduleId: string,
  ref: string,
): Promise<string> {
  reads.permit("module_version_get");
  const accountId = reads.principal.accountId;
  const number = /^v?\d{1,9}$/i.test(ref) ? Number(ref.replace(/^v/i, "")) : null;
  const row = await reads.db.query.module_versions.findFirst({
    columns: { id: true },
    where: (t, { and, eq, or }) =>
      and(
        eq(t.account_id, accountId),
        eq(t.node_module_id, moduleId),
        or(
          isUuid(ref) ? eq(t.id, ref) : undefined,
          number === null ? undefined : eq(t.version_number, number),
          eq(t.source_version, ref),
        ),
      ),
    orderBy: (t, { desc, sql }) => [
      desc(number === null ? sql`false` : sql`${t.version_number} = ${number}`),
      desc(t.version_number),
    ],
  });
  if (!row) throw invalidArgument(arg, `the module has no version ${JSON.stringify(ref)}`);
  return row.id;
}
