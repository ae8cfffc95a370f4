// Template operations (spec/domain.md §1.4, §3.6–3.8): a template is a platform plus a set of
// module joins. Joins are checked with the delta conflict check; compose_preview shows what a
// selection composes to, and export writes the portable bundle of §3.8.
import {
  environments,
  instance_pools,
  node_module_assignments,
  node_modules,
  node_platforms,
  node_templates,
  nodes,
  template_modules,
} from "@nodepilot/store";
import { and, count, eq, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { composePreview } from "../composition/compose-preview.ts";
import { ConflictSchema, checkDelta, compositionConflict } from "../composition/delta-check.ts";
import {
  loadCompositionGraph,
  loadCurrentVersions,
  loadTemplateSelection,
  moduleIdsByName,
  overrideNames,
  overrideToIds,
  type StoredRecommendsOverride,
  type TemplateModuleRow,
} from "../composition/graph-loader.ts";
import { ModuleName } from "../composition/manifest.ts";
import type { ModulePick } from "../composition/types.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { containsFilter, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdempotencyKey, IdInput, ResourceName, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const TemplateConfig = z.strictObject({
  boot_mode: z.enum(["direct_kernel", "uefi_disk", "cloud_init"]).optional(),
  init_script: z.string().max(65_536).optional(),
  sdwan_network_id: Uuid.optional(),
  legacy_rsa_keys: z
    .boolean()
    .optional()
    .describe("Generate rsa2048 SSH keys for this template's nodes instead of ed25519."),
});

export const TemplateSchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  public: z.boolean(),
  node_platform_id: Uuid,
  admin_user: z.string().nullable(),
  environment_id: Uuid.nullable(),
  config: TemplateConfig,
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

type TemplateRow = typeof node_templates.$inferSelect;

export function templateOut(row: TemplateRow): z.infer<typeof TemplateSchema> {
  const { account_id: _a, ...rest } = row;
  return toJson({ ...rest, config: rest.config as z.infer<typeof TemplateConfig> });
}

const OverrideOut = z.strictObject({
  replace: z.array(z.string()).optional(),
  included: z.array(z.string()).optional(),
  excluded: z.array(z.string()).optional(),
});

const RecommendsOverrideInput = OverrideOut.extend({
  replace: z.array(ModuleName).max(200).optional(),
  included: z.array(ModuleName).max(200).optional(),
  excluded: z.array(ModuleName).max(200).optional(),
})
  .refine((o) => !(o.replace && (o.included || o.excluded)), {
    message: "use either replace, or included/excluded",
    path: ["replace"],
  })
  .describe(
    "Which recommends of the module this template follows: {replace:[names]} or {included:[names], excluded:[names]}.",
  );

const TemplateModuleSchema = z.strictObject({
  id: Uuid,
  node_template_id: Uuid,
  node_module_id: Uuid,
  module_name: z.string(),
  enabled: z.boolean(),
  priority: z.number().int(),
  config: z.record(z.string(), z.unknown()),
  recommends_override: OverrideOut.nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const joinOut = (
  { account_id: _a, ...row }: TemplateModuleRow,
  moduleName: string,
): z.infer<typeof TemplateModuleSchema> =>
  toJson({
    ...row,
    module_name: moduleName,
    recommends_override: row.recommends_override as StoredRecommendsOverride | null,
  });

async function loadTemplate(ctx: OpContext, id: string, forUpdate = false) {
  return findInAccount(ctx.db, node_templates, ctx.principal.accountId, id, "node template", { forUpdate });
}

async function assertNameFree(ctx: OpContext, name: string) {
  const rows = await ctx.db
    .select({ id: node_templates.id })
    .from(node_templates)
    .where(and(eq(node_templates.account_id, ctx.principal.accountId), eq(node_templates.name, name)))
    .limit(1);
  if (rows[0])
    throw conflict(`a template named ${name} already exists`, {
      reason: "already_exists",
      details: { field: "name", node_template_id: rows[0].id },
    });
}

async function assertRef(
  ctx: OpContext,
  table: typeof node_platforms | typeof environments,
  id: string,
  field: string,
) {
  const rows = await ctx.db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.id, id), eq(table.account_id, ctx.principal.accountId)))
    .limit(1);
  if (!rows[0])
    throw invalidInput(`${field}: no such ${field.replace(/_id$/, "").replace("node_", "")} ${id}`, [
      { path: field, message: "does not exist" },
    ]);
}

export const templateCreate = defineOperation({
  name: "template.create",
  title: "Create a template",
  description:
    "Create a node template on a platform, optionally bound to an environment (inherited by its nodes and pools). Add modules with template_module.add, check the result with template.compose_preview, and roll it onto nodes with node.apply_template.",
  examples: [
    {
      phrase: "create a template edge-base on the generic platform",
      input: { name: "edge-base", node_platform_id: "<platform id>" },
    },
    {
      phrase: "make a prod template that boots with cloud-init",
      input: {
        name: "prod-web",
        node_platform_id: "<platform id>",
        environment_id: "<prod env id>",
        config: { boot_mode: "cloud_init" },
      },
    },
  ],
  input: z.strictObject({
    name: ResourceName.describe("Unique per account."),
    description: z.string().max(2000).default(""),
    enabled: z.boolean().default(true),
    public: z.boolean().default(false),
    node_platform_id: Uuid,
    admin_user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name")
      .optional(),
    environment_id: Uuid.optional(),
    config: TemplateConfig.default({}),
    idempotency_key: IdempotencyKey,
  }),
  output: TemplateSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "template.create",
  idempotent: false,
  http: { method: "POST", path: "/node_templates" },
  async execute(ctx, input) {
    await assertNameFree(ctx, input.name);
    await assertRef(ctx, node_platforms, input.node_platform_id, "node_platform_id");
    if (input.environment_id) await assertRef(ctx, environments, input.environment_id, "environment_id");
    const { idempotency_key: _k, ...fields } = input;
    const [row] = await ctx.db
      .insert(node_templates)
      .values({ ...fields, account_id: ctx.principal.accountId, created_at: ctx.now, updated_at: ctx.now })
      .returning();
    if (!row) throw new Error("template insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "template.created",
      payload: { name: row.name, node_platform_id: row.node_platform_id },
      subject_type: "node_template",
      subject_id: row.id,
    });
    return templateOut(row);
  },
});

export const templateGet = defineOperation({
  name: "template.get",
  title: "Get a template",
  description:
    "Read one node template by id: platform, environment, admin user and config. Use template_module.list for its modules.",
  examples: [
    { phrase: "show template edge-base", input: { id: "<template id>" } },
    { phrase: "what platform does this template use", input: { id: "<template id>" } },
  ],
  input: z.strictObject(IdInput),
  output: TemplateSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_templates/:id" },
  async execute(ctx, input) {
    return templateOut(await loadTemplate(ctx, input.id));
  },
});

export const templateList = defineOperation({
  name: "template.list",
  title: "List templates",
  description:
    "List node templates, oldest first, optionally filtered by platform, environment, enabled flag or a name substring. Paginated with limit and cursor.",
  examples: [
    { phrase: "list templates", input: {} },
    { phrase: "which templates run in prod", input: { environment_id: "<prod env id>" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    node_platform_id: Uuid.optional(),
    environment_id: Uuid.optional(),
    enabled: z.boolean().optional(),
    name_contains: z.string().min(1).max(63).optional(),
  }),
  output: listOutput(TemplateSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/node_templates" },
  async execute(ctx, input) {
    const t = node_templates;
    const { after, order } = pageClause({ createdAt: t.created_at, id: t.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(t.account_id, ctx.principal.accountId),
      input.node_platform_id ? eq(t.node_platform_id, input.node_platform_id) : undefined,
      input.environment_id ? eq(t.environment_id, input.environment_id) : undefined,
      input.enabled === undefined ? undefined : eq(t.enabled, input.enabled),
      containsFilter(t.name, input.name_contains),
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(t)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, templateOut);
  },
});

export const templateUpdate = defineOperation({
  name: "template.update",
  title: "Update a template",
  description:
    "Change a template's description, enabled or public flag, platform, admin user, environment or config. Pass `version` to refuse the write if the template changed since you read it. Module joins change through template_module.*.",
  examples: [
    { phrase: "disable template edge-base", input: { id: "<template id>", enabled: false } },
    {
      phrase: "move template edge-base to the staging environment",
      input: { id: "<template id>", environment_id: "<staging env id>" },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    version: z.number().int().positive().optional().describe("Expected current version (optimistic concurrency)."),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().optional(),
    public: z.boolean().optional(),
    node_platform_id: Uuid.optional(),
    admin_user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name")
      .nullable()
      .optional(),
    environment_id: Uuid.nullable().optional(),
    config: TemplateConfig.optional().describe("Replaces the whole config object."),
  }),
  output: TemplateSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "template.update",
  idempotent: true,
  http: { method: "PATCH", path: "/node_templates/:id" },
  async execute(ctx, input) {
    const current = await loadTemplate(ctx, input.id, true);
    if (input.version !== undefined && input.version !== current.version) {
      throw conflict(`template ${current.name} is at version ${current.version}, not ${input.version}`, {
        reason: "stale_version",
        details: { current_version: current.version },
      });
    }
    if (input.node_platform_id) await assertRef(ctx, node_platforms, input.node_platform_id, "node_platform_id");
    if (input.environment_id) await assertRef(ctx, environments, input.environment_id, "environment_id");
    const { id: _id, version: _v, ...changes } = input;
    const [row] = await ctx.db
      .update(node_templates)
      .set({ ...changes, version: current.version + 1, updated_at: ctx.now })
      .where(and(eq(node_templates.id, current.id), eq(node_templates.version, current.version)))
      .returning();
    if (!row) throw conflict("template changed concurrently", { reason: "stale_version" });
    await emitEvent(ctx.db, ctx, {
      kind: "template.updated",
      payload: { fields: Object.keys(changes) },
      subject_type: "node_template",
      subject_id: row.id,
    });
    return templateOut(row);
  },
});

async function usage(ctx: OpContext, templateId: string) {
  const [n] = await ctx.db.select({ n: count() }).from(nodes).where(eq(nodes.node_template_id, templateId));
  const [p] = await ctx.db
    .select({ n: count() })
    .from(instance_pools)
    .where(eq(instance_pools.node_template_id, templateId));
  return { node_count: n?.n ?? 0, pool_count: p?.n ?? 0 };
}

export const templateDelete = defineOperation({
  name: "template.delete",
  title: "Delete a template",
  description:
    "Delete a template and its module joins (assignments derived from those joins go with them). Refused with conflict/in_use while any node or instance pool uses the template: retarget the nodes (node.set_template) and delete the pools first.",
  examples: [
    { phrase: "delete template old-base", input: { id: "<template id>" } },
    { phrase: "remove the unused template 0190…", input: { id: "<template id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "template.delete",
  idempotent: true,
  http: { method: "DELETE", path: "/node_templates/:id" },
  async execute(ctx, input) {
    const template = await loadTemplate(ctx, input.id, true);
    const used = await usage(ctx, template.id);
    if (used.node_count > 0 || used.pool_count > 0) {
      throw conflict(`template ${template.name} is used by ${used.node_count} node(s) and ${used.pool_count} pool(s)`, {
        reason: "in_use",
        details: used,
      });
    }
    const joins = await ctx.db
      .select({ id: template_modules.id })
      .from(template_modules)
      .where(eq(template_modules.node_template_id, template.id));
    if (joins.length > 0) {
      await ctx.db.delete(node_module_assignments).where(
        inArray(
          node_module_assignments.source_template_module_id,
          joins.map((j) => j.id),
        ),
      );
    }
    await ctx.db.delete(node_templates).where(eq(node_templates.id, template.id));
    await emitEvent(ctx.db, ctx, {
      kind: "template.deleted",
      severity: "medium",
      payload: { name: template.name, join_count: joins.length },
      subject_type: "node_template",
      subject_id: template.id,
    });
    return { id: template.id, deleted: true as const };
  },
});

const PreviewSchema = z.strictObject({
  modules: z.array(
    z.strictObject({
      id: Uuid,
      name: z.string(),
      variety: z.enum(["subscription", "config", "instance"]),
      priority: z.number().int(),
      effective_priority: z.number().int(),
      category_id: Uuid.nullable(),
      auto_resolved: z.boolean(),
      current_version: z
        .strictObject({ id: Uuid, version_number: z.number().int(), oci_digest: z.string().nullable() })
        .nullable(),
    }),
  ),
  conflicts: z.array(ConflictSchema),
  footprint: z.strictObject({
    module_count: z.number().int(),
    estimated_package_count: z.number().int(),
    architectures: z.array(z.string()),
    estimated_size_bytes: z.number().int(),
  }),
  dependency_graph: z.strictObject({
    nodes: z.array(
      z.strictObject({
        id: Uuid,
        name: z.string(),
        variety: z.enum(["subscription", "config", "instance"]),
        explicit: z.boolean(),
        auto_resolved: z.boolean(),
      }),
    ),
    edges: z.array(
      z.strictObject({
        source: Uuid,
        target: Uuid,
        type: z.enum(["requires", "recommends", "conflicts", "depends_on"]),
        required: z.boolean().optional(),
        version_constraint: z.string().optional(),
      }),
    ),
  }),
  warnings: z.array(z.string()),
  errors: z.array(z.string()),
});

export const templateComposePreview = defineOperation({
  name: "template.compose_preview",
  title: "Preview a composition",
  description:
    "What a set of modules composes to, without writing anything: the closure in mount order (effective priority, auto_resolved, current version), conflicts, footprint (module and package counts, architectures, size) and the dependency graph (edges from dependent to dependency). Use it before template_module.add or node.apply_template.",
  examples: [
    { phrase: "what would nginx plus certbot compose to", input: { module_ids: ["<nginx id>", "<certbot id>"] } },
    {
      phrase: "preview these modules including recommended ones",
      input: { module_ids: ["<module id>"], include_optional: true },
    },
  ],
  input: z.strictObject({
    module_ids: z.array(Uuid).min(1, "give at least one module id").max(500),
    include_optional: z.boolean().default(false).describe("Also follow recommends edges."),
  }),
  output: PreviewSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "POST", path: "/node_templates/compose_preview", status: 200 },
  async execute(ctx, input) {
    const graph = await loadCompositionGraph(ctx.db, ctx.principal.accountId, input.module_ids);
    const unknown = input.module_ids.find((id) => !graph.rows.has(id));
    if (unknown) throw notFound("module", unknown);
    const picks: ModulePick[] = input.module_ids.map((module_id) => ({ module_id }));
    return composePreview({
      graph,
      picks,
      currentVersions: await loadCurrentVersions(ctx.db, graph.rows.values()),
      includeOptional: input.include_optional,
    });
  },
});

const ExportSchema = z.strictObject({
  format_version: z.literal("1.0"),
  kind: z.literal("node_template"),
  exported_at: Timestamp,
  template: z.strictObject({
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    public: z.boolean(),
    admin_user: z.string().nullable(),
    environment_name: z.string().nullable(),
    config: TemplateConfig,
  }),
  platform: z.strictObject({
    name: z.string(),
    architecture_name: z.string().nullable(),
    architectures: z.array(z.string()),
  }),
  modules: z.array(
    z.strictObject({
      module_name: z.string(),
      module_variety: z.enum(["subscription", "config", "instance"]),
      priority: z.number().int(),
      enabled: z.boolean(),
      config: z.record(z.string(), z.unknown()),
      recommends_override: OverrideOut.nullable(),
    }),
  ),
});

export const templateExport = defineOperation({
  name: "template.export",
  title: "Export a template",
  description:
    "The portable bundle of a template (format_version 1.0): the template's fields, its platform by name, and its module joins by module name and variety, with priority, enabled, config and recommends_override. Ids are left out so the bundle can be imported into another account.",
  examples: [
    { phrase: "export template edge-base", input: { id: "<template id>" } },
    { phrase: "give me the bundle for template 0190…", input: { id: "<template id>" } },
  ],
  input: z.strictObject(IdInput),
  output: ExportSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_templates/:id/export" },
  async execute(ctx, input) {
    const template = await loadTemplate(ctx, input.id);
    const platform = await findInAccount(
      ctx.db,
      node_platforms,
      ctx.principal.accountId,
      template.node_platform_id,
      "node platform",
    );
    const env = template.environment_id
      ? await findInAccount(ctx.db, environments, ctx.principal.accountId, template.environment_id, "environment")
      : null;
    const joins = await ctx.db
      .select({ join: template_modules, name: node_modules.name, variety: node_modules.variety })
      .from(template_modules)
      .innerJoin(node_modules, eq(node_modules.id, template_modules.node_module_id))
      .where(eq(template_modules.node_template_id, template.id))
      .orderBy(node_modules.name);
    return {
      format_version: "1.0" as const,
      kind: "node_template" as const,
      exported_at: ctx.now.toISOString(),
      template: {
        name: template.name,
        description: template.description,
        enabled: template.enabled,
        public: template.public,
        admin_user: template.admin_user,
        environment_name: env?.name ?? null,
        config: template.config as z.infer<typeof TemplateConfig>,
      },
      platform: {
        name: platform.name,
        architecture_name: platform.architectures[0] ?? null,
        architectures: platform.architectures,
      },
      modules: joins.map(({ join, name, variety }) => ({
        module_name: name,
        module_variety: variety,
        priority: join.priority,
        enabled: join.enabled,
        config: join.config,
        recommends_override: join.recommends_override as StoredRecommendsOverride | null,
      })),
    };
  },
});

export const templateModuleList = defineOperation({
  name: "template_module.list",
  title: "List a template's modules",
  description:
    "List the module joins of a template (enabled or not), oldest first, with module names, priority (display only), config and recommends_override.",
  examples: [
    { phrase: "which modules are in template edge-base", input: { id: "<template id>" } },
    { phrase: "list only the enabled modules of this template", input: { id: "<template id>", enabled: true } },
  ],
  input: z.strictObject({ ...IdInput, ...listInputShape, enabled: z.boolean().optional() }),
  output: listOutput(TemplateModuleSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/node_templates/:id/modules" },
  async execute(ctx, input) {
    const template = await loadTemplate(ctx, input.id);
    const tm = template_modules;
    const { after, order } = pageClause({ createdAt: tm.created_at, id: tm.id }, input.cursor);
    const rows = await ctx.db
      .select({ join: tm, name: node_modules.name })
      .from(tm)
      .innerJoin(node_modules, eq(node_modules.id, tm.node_module_id))
      .where(
        whereAll(
          eq(tm.node_template_id, template.id),
          input.enabled === undefined ? undefined : eq(tm.enabled, input.enabled),
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(
      rows.map((r) => ({ ...r, created_at: r.join.created_at, id: r.join.id })),
      input.limit,
      (r) => joinOut(r.join, r.name),
    );
  },
});

const JoinResult = z.strictObject({
  template_module: TemplateModuleSchema,
  warnings: z
    .array(ConflictSchema)
    .optional()
    .describe("Composition warnings the change brings; omitted when there are none."),
  blast_radius: z
    .strictObject({ node_count: z.number().int(), pool_count: z.number().int() })
    .describe("Nodes and pools on this template."),
});

/** Resolve and check a recommends_override's module names; unknown names are invalid_input. */
async function validateOverride(ctx: OpContext, override: StoredRecommendsOverride | null | undefined) {
  if (!override) return;
  const ids = await moduleIdsByName(ctx.db, ctx.principal.accountId, overrideNames(override));
  for (const key of ["replace", "included", "excluded"] as const) {
    override[key]?.forEach((name, i) => {
      if (!ids.has(name.toLowerCase())) {
        throw invalidInput(`recommends_override.${key}.${i}: no module named ${name}`, [
          { path: `recommends_override.${key}.${i}`, message: "no such module" },
        ]);
      }
    });
  }
}

/** Refuse errors a join change introduces (§3.6); returns the warnings it brings. */
async function deltaForTemplate(
  ctx: OpContext,
  templateId: string,
  what: string,
  change: (picks: ModulePick[]) => ModulePick[],
) {
  const selection = await loadTemplateSelection(ctx.db, ctx.principal.accountId, templateId);
  const after = change(selection.picks);
  const delta = await checkDelta(ctx.db, ctx.principal.accountId, selection.picks, after, { expand: true });
  if (delta.introduced.length > 0) throw compositionConflict(what, delta.introduced);
  return delta.warnings;
}

async function loadJoin(ctx: OpContext, templateId: string, joinId: string) {
  const [row] = await ctx.db
    .select({ join: template_modules, name: node_modules.name })
    .from(template_modules)
    .innerJoin(node_modules, eq(node_modules.id, template_modules.node_module_id))
    .where(
      and(
        eq(template_modules.id, joinId),
        eq(template_modules.node_template_id, templateId),
        eq(template_modules.account_id, ctx.principal.accountId),
      ),
    )
    .for("update", { of: template_modules });
  if (!row) throw notFound("template module", joinId);
  return row;
}

export const templateModuleAdd = defineOperation({
  name: "template_module.add",
  title: "Add a module to a template",
  description:
    "Join a module to a template. Runs the delta conflict check: a change that introduces a composition error (conflicting modules, two instance-variety modules in one category, a missing required dependency, a dependency cycle, a disabled module) is refused with conflict/composition_conflict and `conflicts[]`; warnings are returned. Nodes get the module on their next node.apply_template. Returns the join and the template's blast_radius.",
  examples: [
    { phrase: "add nginx to template edge-base", input: { id: "<template id>", node_module_id: "<nginx id>" } },
    {
      phrase: "add monitoring to the template but keep it disabled",
      input: { id: "<template id>", node_module_id: "<module id>", enabled: false },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    node_module_id: Uuid,
    enabled: z.boolean().default(true),
    priority: z.number().int().min(0).max(999).default(0).describe("Display only; ordering comes from the module."),
    config: z.record(z.string(), z.unknown()).default({}).describe("Deep-merged over the module's config."),
    recommends_override: RecommendsOverrideInput.optional(),
    idempotency_key: IdempotencyKey,
  }),
  output: JoinResult,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "template_module.add",
  idempotent: false,
  http: { method: "POST", path: "/node_templates/:id/modules" },
  async execute(ctx, input) {
    const template = await loadTemplate(ctx, input.id, true);
    const mod = await findInAccount(ctx.db, node_modules, ctx.principal.accountId, input.node_module_id, "module");
    if (mod.node_platform_id && mod.node_platform_id !== template.node_platform_id) {
      throw conflict(`module ${mod.name} is built for another platform than template ${template.name}`, {
        reason: "platform_mismatch",
        details: { module_platform_id: mod.node_platform_id, template_platform_id: template.node_platform_id },
      });
    }
    const dup = await ctx.db
      .select({ id: template_modules.id })
      .from(template_modules)
      .where(and(eq(template_modules.node_template_id, template.id), eq(template_modules.node_module_id, mod.id)))
      .limit(1);
    if (dup[0])
      throw conflict(`module ${mod.name} is already in template ${template.name}`, {
        reason: "already_exists",
        details: { template_module_id: dup[0].id },
      });
    await validateOverride(ctx, input.recommends_override);
    let warnings: z.infer<typeof ConflictSchema>[] = [];
    if (input.enabled) {
      const ids = await moduleIdsByName(ctx.db, ctx.principal.accountId, overrideNames(input.recommends_override));
      const pick: ModulePick = {
        module_id: mod.id,
        recommends_override: overrideToIds(input.recommends_override, ids),
      };
      warnings = await deltaForTemplate(ctx, template.id, `adding ${mod.name} to ${template.name}`, (picks) => [
        ...picks,
        pick,
      ]);
    }
    const [row] = await ctx.db
      .insert(template_modules)
      .values({
        account_id: ctx.principal.accountId,
        node_template_id: template.id,
        node_module_id: mod.id,
        enabled: input.enabled,
        priority: input.priority,
        config: input.config,
        recommends_override: input.recommends_override ?? null,
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .returning();
    if (!row) throw new Error("template module insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "template_module.added",
      payload: {
        node_template_id: template.id,
        module_name: mod.name,
        enabled: row.enabled,
        warning_count: warnings.length,
      },
      subject_type: "template_module",
      subject_id: row.id,
      node_module_id: mod.id,
    });
    return {
      template_module: joinOut(row, mod.name),
      ...(warnings.length ? { warnings } : {}),
      blast_radius: await usage(ctx, template.id),
    };
  },
});

export const templateModuleUpdate = defineOperation({
  name: "template_module.update",
  title: "Update a template's module join",
  description:
    "Change a join's enabled flag, display priority, config or recommends_override. `enabled: false` is the safe, reversible removal (derived node assignments stay until node.apply_template with purge_stale). Enabling a join or changing its override runs the delta conflict check (conflict/composition_conflict with conflicts[]).",
  examples: [
    {
      phrase: "disable nginx in template edge-base",
      input: { id: "<template id>", template_module_id: "<join id>", enabled: false },
    },
    {
      phrase: "stop following nginx's recommended docs module",
      input: {
        id: "<template id>",
        template_module_id: "<join id>",
        recommends_override: { excluded: ["nginx-docs"] },
      },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    template_module_id: Uuid,
    version: z.number().int().positive().optional().describe("Expected current version (optimistic concurrency)."),
    enabled: z.boolean().optional(),
    priority: z.number().int().min(0).max(999).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    recommends_override: RecommendsOverrideInput.nullable().optional(),
  }),
  output: JoinResult,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "template_module.update",
  idempotent: true,
  http: { method: "PATCH", path: "/node_templates/:id/modules/:template_module_id" },
  async execute(ctx, input) {
    const template = await loadTemplate(ctx, input.id, true);
    const { join, name } = await loadJoin(ctx, template.id, input.template_module_id);
    if (input.version !== undefined && input.version !== join.version) {
      throw conflict(`template module ${join.id} is at version ${join.version}, not ${input.version}`, {
        reason: "stale_version",
        details: { current_version: join.version },
      });
    }
    await validateOverride(ctx, input.recommends_override);
    const enabled = input.enabled ?? join.enabled;
    const override =
      input.recommends_override === undefined
        ? (join.recommends_override as StoredRecommendsOverride | null)
        : input.recommends_override;
    let warnings: z.infer<typeof ConflictSchema>[] = [];
    // Disabling skips the check; enabling, or changing what an enabled join pulls in, runs it.
    if (enabled && (!join.enabled || input.recommends_override !== undefined)) {
      const ids = await moduleIdsByName(ctx.db, ctx.principal.accountId, overrideNames(override));
      const pick: ModulePick = { module_id: join.node_module_id, recommends_override: overrideToIds(override, ids) };
      warnings = await deltaForTemplate(ctx, template.id, `enabling ${name} in ${template.name}`, (picks) => [
        ...picks.filter((p) => p.module_id !== join.node_module_id),
        pick,
      ]);
    }
    const { id: _id, template_module_id: _t, version: _v, ...changes } = input;
    const [row] = await ctx.db
      .update(template_modules)
      .set({ ...changes, version: join.version + 1, updated_at: ctx.now })
      .where(and(eq(template_modules.id, join.id), eq(template_modules.version, join.version)))
      .returning();
    if (!row) throw conflict("template module changed concurrently", { reason: "stale_version" });
    await emitEvent(ctx.db, ctx, {
      kind: "template_module.updated",
      payload: { node_template_id: template.id, module_name: name, fields: Object.keys(changes), enabled: row.enabled },
      subject_type: "template_module",
      subject_id: row.id,
      node_module_id: row.node_module_id,
    });
    return {
      template_module: joinOut(row, name),
      ...(warnings.length ? { warnings } : {}),
      blast_radius: await usage(ctx, template.id),
    };
  },
});

export const templateModuleRemove = defineOperation({
  name: "template_module.remove",
  title: "Remove a module from a template",
  description:
    "Delete a template's module join and, in the same transaction, the node assignments derived from it (hand-authored assignments of the same module stay). Prefer template_module.update with enabled:false for a reversible removal.",
  examples: [
    { phrase: "remove nginx from template edge-base", input: { id: "<template id>", template_module_id: "<join id>" } },
    {
      phrase: "drop this join and its derived assignments",
      input: { id: "<template id>", template_module_id: "<join id>" },
    },
  ],
  input: z.strictObject({ ...IdInput, template_module_id: Uuid }),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true), purged_assignment_count: z.number().int() }),
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "template_module.remove",
  idempotent: true,
  http: { method: "DELETE", path: "/node_templates/:id/modules/:template_module_id" },
  async execute(ctx, input) {
    const template = await loadTemplate(ctx, input.id, true);
    const { join, name } = await loadJoin(ctx, template.id, input.template_module_id);
    const purged = await ctx.db
      .delete(node_module_assignments)
      .where(eq(node_module_assignments.source_template_module_id, join.id))
      .returning({ id: node_module_assignments.id });
    await ctx.db.delete(template_modules).where(eq(template_modules.id, join.id));
    await emitEvent(ctx.db, ctx, {
      kind: "template_module.removed",
      severity: "medium",
      payload: { node_template_id: template.id, module_name: name, purged_assignment_count: purged.length },
      subject_type: "template_module",
      subject_id: join.id,
      node_module_id: join.node_module_id,
    });
    return { id: join.id, deleted: true as const, purged_assignment_count: purged.length };
  },
});

export const templateOperations = [
  templateCreate,
  templateGet,
  templateList,
  templateUpdate,
  templateDelete,
  templateComposePreview,
  templateExport,
  templateModuleList,
  templateModuleAdd,
  templateModuleUpdate,
  templateModuleRemove,
];
