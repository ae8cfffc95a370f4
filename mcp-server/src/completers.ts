// Completion values for prompt arguments and resource-template variables (spec/mcp.md §5): one
// account-scoped query each, prefix-matched on name or id, ranked (exact name, then name prefix,
// live before terminated, then by name), at most 100 values with the full count from a window
// function, behind the scope of the list operation it stands in for.
import type { SessionReads } from "./session-reads.ts";

export const MAX_COMPLETION_VALUES = 100;

export interface Completion {
  values: string[];
  total: number;
  hasMore: boolean;
}

export interface CompleteContext {
  reads: SessionReads;
  /** Arguments the client already resolved (`context.arguments`). */
  arguments: Record<string, string>;
}

export type Completer = (value: string, ctx: CompleteContext) => Promise<Completion>;

export const NO_COMPLETION: Completion = { values: [], total: 0, hasMore: false };

/** A LIKE pattern matching `value` as a literal prefix. */
const likePrefix = (value: string) => `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Ids are matched by prefix only when what was typed could start one. */
const idPrefix = (value: string) => (/^[0-9a-f-]{1,36}$/i.test(value) ? likePrefix(value.toLowerCase()) : null);

/**
 * The page of `rows` (each carrying the window count `total`) as a completion; two instances
 * sharing a name show that name once.
 */
function completion<R extends { total: number }>(rows: R[], pick: (row: R) => string): Completion {
  const total = rows[0]?.total ?? 0;
  return { values: [...new Set(rows.map(pick))], total, hasMore: total > rows.length };
}

const instanceMatches = async (value: string, { reads }: CompleteContext) => {
  reads.permit("instance_list");
  const accountId = reads.principal.accountId;
  const name = likePrefix(value);
  const id = idPrefix(value);
  return reads.db.query.node_instances.findMany({
    columns: { id: true, name: true },
    extras: (t, { sql }) => ({
      total: sql<number>`(count(*) over ())::int`.as("total"),
      by_name: sql<boolean>`${t.name} ilike ${name}`.as("by_name"),
    }),
    where: (t, { and, eq, ilike, or, sql }) =>
      and(eq(t.account_id, accountId), or(ilike(t.name, name), id ? sql`${t.id}::text like ${id}` : undefined)),
    orderBy: (t, { asc, desc, sql }) => [
      desc(sql`lower(${t.name}) = lower(${value})`),
      desc(sql`${t.name} ilike ${name}`),
      asc(sql`${t.status} = 'terminated'`),
      asc(t.name),
      asc(t.id),
    ],
    limit: MAX_COMPLETION_VALUES,
  });
};

/** Instance names (or ids, for what matched by id): the `instance` prompt argument takes either. */
export const completeInstanceRef: Completer = async (value, ctx) => {
  const rows = await instanceMatches(value, ctx);
  return completion(rows, (r) => (r.by_name ? r.name : r.id));
};

/** Instance ids, found by name or id prefix: `nodepilot://instances/{id}`. */
export const completeInstanceId: Completer = async (value, ctx) => {
  const rows = await instanceMatches(value, ctx);
  return completion(rows, (r) => r.id);
};

/** Node ids, found by name or id prefix: `nodepilot://nodes/{id}`. */
export const completeNodeId: Completer = async (value, { reads }) => {
  reads.permit("node_list");
  const accountId = reads.principal.accountId;
  const name = likePrefix(value);
  const id = idPrefix(value);
  const rows = await reads.db.query.nodes.findMany({
    columns: { id: true },
    extras: (_t, { sql }) => ({ total: sql<number>`(count(*) over ())::int`.as("total") }),
    where: (t, { and, eq, ilike, or, sql }) =>
      and(eq(t.account_id, accountId), or(ilike(t.name, name), id ? sql`${t.id}::text like ${id}` : undefined)),
    orderBy: (t, { asc, desc, sql }) => [
      desc(sql`lower(${t.name}) = lower(${value})`),
      desc(sql`${t.name} ilike ${name}`),
      desc(t.enabled),
      asc(t.name),
      asc(t.id),
    ],
    limit: MAX_COMPLETION_VALUES,
  });
  return completion(rows, (r) => r.id);
};

/** Module names (or ids, for what matched by id). */
export const completeModuleRef: Completer = async (value, { reads }) => {
  reads.permit("module_list");
  const accountId = reads.principal.accountId;
  const name = likePrefix(value);
  const id = idPrefix(value);
  const rows = await reads.db.query.node_modules.findMany({
    columns: { id: true, name: true },
    extras: (t, { sql }) => ({
      total: sql<number>`(count(*) over ())::int`.as("total"),
      by_name: sql<boolean>`${t.name} ilike ${name}`.as("by_name"),
    }),
    where: (t, { and, eq, ilike, or, sql }) =>
      and(eq(t.account_id, accountId), or(ilike(t.name, name), id ? sql`${t.id}::text like ${id}` : undefined)),
    orderBy: (t, { asc, desc, sql }) => [
      desc(sql`lower(${t.name}) = lower(${value})`),
      desc(sql`${t.name} ilike ${name}`),
      desc(t.enabled),
      asc(sql`lower(${t.name})`),
      asc(t.id),
    ],
    limit: MAX_COMPLETION_VALUES,
  });
  return completion(rows, (r) => (r.by_name ? r.name : r.id));
};

/**
 * Version numbers of the module named in `context.arguments[moduleArg]` (by id or name), newest
 * first, retired ones left out (never delivered again). Without a module there is nothing to offer.
 */
export const completeVersionOf =
  (moduleArg: string): Completer =>
  async (value, { reads, arguments: args }) => {
    const moduleRef = args[moduleArg]?.trim();
    if (!moduleRef) return NO_COMPLETION;
    reads.permit("module_version_list");
    const accountId = reads.principal.accountId;
    const number = likePrefix(value.replace(/^v/i, ""));
    const rows = await reads.db.query.module_versions.findMany({
      columns: { version_number: true },
      extras: (_t, { sql }) => ({ total: sql<number>`(count(*) over ())::int`.as("total") }),
      where: (t, { and, eq, ne, sql }) =>
        and(
          eq(t.account_id, accountId),
          ne(t.promotion_state, "retired"),
          sql`${t.version_number}::text like ${number}`,
          // Spelled out: the relational query would rewrite node_modules' columns onto its own alias.
          sql`${t.node_module_id} in (select m.id from node_modules m where m.account_id = ${accountId} and (m.id::text = ${moduleRef} or lower(m.name) = lower(${moduleRef})))`,
        ),
      orderBy: (t, { desc }) => [desc(t.version_number)],
      limit: MAX_COMPLETION_VALUES,
    });
    return completion(rows, (r) => String(r.version_number));
  };
