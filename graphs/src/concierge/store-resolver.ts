// The offline model's resolver port backed by the store: names and ids in a request → fleet
// objects of the caller's account. Each lookup is one small query; `identify` answers a whole
// request's candidate names in one UNION ALL.
import {
  api_tokens,
  approval_requests,
  compliance_snapshots,
  type DbOrTx,
  environments,
  fleet_events,
  instance_pools,
  instance_types,
  intervention_policies,
  module_versions,
  node_instances,
  node_module_assignments,
  node_modules,
  node_platforms,
  node_templates,
  nodes,
  provider_connections,
  provider_regions,
  providers,
  tasks,
  template_modules,
  unclaimed_devices,
  users,
} from "@nodepilot/store";
import { and, eq, inArray, ne, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { EntityKind, EntityMatch, EntityRef, EntityResolver, Resolution } from "./offline/resolver.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Named {
  account: PgColumn;
  id: PgColumn;
  /** What the object is called (what an answer shows). */
  name: SQL | PgColumn;
  /** Lower-cased names a request may use for it. */
  aliases: readonly SQL[];
  from: Parameters<ReturnType<DbOrTx["select"]>["from"]>[0];
  live?: SQL;
}

const lower = (c: PgColumn | SQL) => sql`lower(${c})`;

/** Kinds an operator names by a name (besides their id). */
const NAMED: Partial<Record<EntityKind, Named>> = {
  node: { account: nodes.account_id, id: nodes.id, name: nodes.name, aliases: [lower(nodes.name)], from: nodes },
  instance: {
    account: node_instances.account_id,
    id: node_instances.id,
    name: node_instances.name,
    aliases: [lower(node_instances.name)],
    from: node_instances,
    live: ne(node_instances.status, "terminated"),
  },
  template: {
    account: node_templates.account_id,
    id: node_templates.id,
    name: node_templates.name,
    aliases: [lower(node_templates.name)],
    from: node_templates,
  },
  module: {
    account: node_modules.account_id,
    id: node_modules.id,
    name: node_modules.name,
    aliases: [lower(node_modules.name)],
    from: node_modules,
  },
  pool: {
    account: instance_pools.account_id,
    id: instance_pools.id,
    name: instance_pools.name,
    aliases: [lower(instance_pools.name)],
    from: instance_pools,
    live: ne(instance_pools.status, "archived"),
  },
  user: {
    account: users.account_id,
    id: users.id,
    name: users.email,
    aliases: [lower(users.email), sql`lower(split_part(${users.email}, '@', 1))`, lower(users.display_name)],
    from: users,
  },
  environment: {
    account: environments.account_id,
    id: environments.id,
    name: environments.name,
    aliases: [lower(environments.name)],
    from: environments,
  },
  provider: {
    account: providers.account_id,
    id: providers.id,
    name: providers.name,
    aliases: [lower(providers.name)],
    from: providers,
  },
  provider_connection: {
    account: provider_connections.account_id,
    id: provider_connections.id,
    name: provider_connections.name,
    aliases: [lower(provider_connections.name)],
    from: provider_connections,
  },
  platform: {
    account: node_platforms.account_id,
    id: node_platforms.id,
    name: node_platforms.name,
    aliases: [lower(node_platforms.name)],
    from: node_platforms,
  },
  region: {
    account: provider_regions.account_id,
    id: provider_regions.id,
    name: provider_regions.name,
    aliases: [lower(provider_regions.name), lower(provider_regions.region_code)],
    from: provider_regions,
  },
  instance_type: {
    account: instance_types.account_id,
    id: instance_types.id,
    name: instance_types.instance_type_code,
    aliases: [lower(instance_types.instance_type_code)],
    from: instance_types,
  },
  unclaimed_device: {
    account: unclaimed_devices.account_id,
    id: unclaimed_devices.id,
    name: sql`coalesce(${unclaimed_devices.discovered_hostname}, ${unclaimed_devices.discovered_mac})`,
    aliases: [lower(sql`coalesce(${unclaimed_devices.discovered_hostname}, '')`)],
    from: unclaimed_devices,
  },
};

/** Kinds an operator names only by id; `name` is what an answer shows for them. */
const BY_ID: Partial<Record<EntityKind, Omit<Named, "aliases">>> = {
  task: { account: tasks.account_id, id: tasks.id, name: tasks.command, from: tasks },
  approval_request: {
    account: approval_requests.account_id,
    id: approval_requests.id,
    name: approval_requests.action_category,
    from: approval_requests,
  },
  intervention_policy: {
    account: intervention_policies.account_id,
    id: intervention_policies.id,
    name: intervention_policies.action_category,
    from: intervention_policies,
  },
  event: { account: fleet_events.account_id, id: fleet_events.id, name: fleet_events.kind, from: fleet_events },
  module_version: {
    account: module_versions.account_id,
    id: module_versions.id,
    name: sql`'v' || ${module_versions.version_number}`,
    from: module_versions,
  },
  assignment: {
    account: node_module_assignments.account_id,
    id: node_module_assignments.id,
    name: sql`${node_module_assignments.id}::text`,
    from: node_module_assignments,
  },
  template_module: {
    account: template_modules.account_id,
    id: template_modules.id,
    name: sql`${template_modules.id}::text`,
    from: template_modules,
  },
  compliance_snapshot: {
    account: compliance_snapshots.account_id,
    id: compliance_snapshots.id,
    name: compliance_snapshots.kind,
    from: compliance_snapshots,
  },
  api_token: { account: api_tokens.account_id, id: api_tokens.id, name: api_tokens.name, from: api_tokens },
};

interface Row extends Record<string, unknown> {
  kind: EntityKind;
  id: string;
  name: string;
  matched: string;
}

export function storeResolver(db: DbOrTx, accountId: string): EntityResolver {
  const selectOf = (kind: EntityKind, t: Omit<Named, "aliases">, matched: SQL, where: SQL) =>
    sql`select ${kind}::text as kind, ${t.id}::text as id, ${t.name}::text as name, ${matched} as matched from ${t.from} where ${and(eq(t.account, accountId), where, t.live)}`;

  return {
    async identify(terms) {
      const names = [...new Set(terms.map((t) => t.toLowerCase()))];
      const ids = names.filter((t) => UUID.test(t));
      if (names.length === 0) return [];
      const parts: SQL[] = [];
      for (const [kind, t] of Object.entries(NAMED) as [EntityKind, Named][]) {
        for (const alias of t.aliases) parts.push(selectOf(kind, t, alias, inArray(alias, names)));
      }
      if (ids.length) {
        for (const [kind, t] of [...Object.entries(NAMED), ...Object.entries(BY_ID)] as [EntityKind, Named][]) {
          parts.push(selectOf(kind, t, sql`${t.id}::text`, inArray(t.id, ids)));
        }
      }
      const { rows } = await db.execute<Row>(sql.join(parts, sql` union all `));
      // One row per object and matched term (a user matched by email and by name is one match).
      const seen = new Set<string>();
      const out: EntityMatch[] = [];
      for (const r of rows) {
        const key = `${r.kind}:${r.id}:${r.matched}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ kind: r.kind, id: r.id, name: r.name, matched: r.matched });
      }
      return out;
    },

    async resolve(kind, name, within) {
      const n = name.toLowerCase();
      if (within) return resolveWithin(kind, n, within);
      if (kind === "instance") return resolveInstance(n);
      const t = (NAMED[kind] ?? BY_ID[kind]) as Named | undefined;
      if (!t) return { status: "none" };
      const where = UUID.test(n) ? eq(t.id, n) : t.aliases ? or(...t.aliases.map((a) => eq(a, n))) : undefined;
      if (!where) return { status: "none" };
      const { rows } = await db.execute<Row>(sql`${selectOf(kind, t, sql`${n}::text`, where)} limit 10`);
      return resolution(rows);
    },
  };

  /** An instance by its own name, else by its node's name when the node has one live instance. */
  async function resolveInstance(n: string): Promise<Resolution> {
    const byName = sql`lower(${node_instances.name}) = ${n}`;
    const { rows } = await db.execute<Row & { own: boolean }>(sql`
      select 'instance' as kind, ${node_instances.id}::text as id, ${node_instances.name} as name, ${n}::text as matched,
             ${byName} as own
      from ${node_instances} join ${nodes} on ${nodes.id} = ${node_instances.node_id}
      where ${and(
        eq(node_instances.account_id, accountId),
        ne(node_instances.status, "terminated"),
        or(byName, sql`lower(${nodes.name}) = ${n}`, UUID.test(n) ? eq(node_instances.id, n) : undefined),
      )}
      limit 10`);
    const own = rows.filter((r) => r.own);
    return resolution(own.length ? own : rows);
  }

  /** Names that are unique only inside a parent: assignment (module on node), template module, version. */
  async function resolveWithin(kind: EntityKind, n: string, parent: EntityRef): Promise<Resolution> {
    let query: SQL | undefined;
    if (kind === "assignment" && parent.kind === "node") {
      query = sql`select 'assignment' as kind, ${node_module_assignments.id}::text as id, ${node_modules.name} as name, ${n}::text as matched
        from ${node_module_assignments} join ${node_modules} on ${node_modules.id} = ${node_module_assignments.node_module_id}
        where ${and(
          eq(node_module_assignments.account_id, accountId),
          eq(node_module_assignments.node_id, parent.id),
          eq(sql`lower(${node_modules.name})`, n),
        )}`;
    } else if (kind === "template_module" && parent.kind === "template") {
      query = sql`select 'template_module' as kind, ${template_modules.id}::text as id, ${node_modules.name} as name, ${n}::text as matched
        from ${template_modules} join ${node_modules} on ${node_modules.id} = ${template_modules.node_module_id}
        where ${and(
          eq(template_modules.account_id, accountId),
          eq(template_modules.node_template_id, parent.id),
          eq(sql`lower(${node_modules.name})`, n),
        )}`;
    } else if (kind === "module_version" && parent.kind === "module" && /^\d+$/.test(n)) {
      query = sql`select 'module_version' as kind, ${module_versions.id}::text as id, 'v' || ${module_versions.version_number} as name, ${n}::text as matched
        from ${module_versions}
        where ${and(
          eq(module_versions.account_id, accountId),
          eq(module_versions.node_module_id, parent.id),
          eq(module_versions.version_number, Number(n)),
        )}`;
    }
    if (!query) return { status: "none" };
    const { rows } = await db.execute<Row>(query);
    return resolution(rows);
  }
}

function resolution(rows: readonly Row[]): Resolution {
  const unique = [...new Map(rows.map((r) => [r.id, { kind: r.kind, id: r.id, name: r.name }])).values()];
  if (unique.length === 0) return { status: "none" };
  if (unique.length === 1) return { status: "found", entity: unique[0]! };
  return { status: "ambiguous", candidates: unique };
}
