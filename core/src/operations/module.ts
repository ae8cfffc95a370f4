// Module operations (spec/domain.md §1.4, §3.2, §3.10): a module is a userspace layer. Editing a
// versioned attribute (the five specs, config, manifest) snapshots a new draft version and never
// moves the current pointer; publishing that version is module_version.publish.
import { createHash } from "node:crypto";
import {
  module_dependencies,
  module_environment_pins,
  module_versions,
  node_module_assignments,
  node_module_categories,
  node_modules,
  node_platforms,
  nodes,
  template_modules,
} from "@nodepilot/store";
import { and, count, eq, isNotNull, max, ne, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { cycleThrough } from "../composition/cycles.ts";
import { loadCategories, loadCompositionGraph, type ModuleRow } from "../composition/graph-loader.ts";
import { GlobLines, ManifestInput, ModuleName, PackageLines, providedCapabilities } from "../composition/manifest.ts";
import { childCategoryId, resolveEffectivePriority } from "../composition/priority.ts";
import { effectiveFileSpec, effectiveMask, type FilterModule, renderFilter } from "../composition/rsync-filter.ts";
import { isSemverRange } from "../composition/semver-range.ts";
import { TrustPolicyInput } from "../composition/trust-policy.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { canonicalJson } from "../lib/canonical-json.ts";
import { findInAccount } from "../lib/find.ts";
import { containsFilter, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdempotencyKey, IdInput, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const Variety = z.enum(["subscription", "config", "instance"]);
const JsonObject = z.record(z.string(), z.unknown());
const CapabilityTag = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "capability tags are lower-case, ≤ 63 chars");
const Priority = z.number().int().min(0).max(999);

export const ModuleSchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  description: z.string(),
  variety: Variety,
  category_id: Uuid.nullable(),
  priority: z.number().int(),
  enabled: z.boolean(),
  public: z.boolean(),
  node_platform_id: Uuid.nullable(),
  parent_module_id: Uuid.nullable(),
  source_repo: z.string().nullable(),
  mask: z.array(z.string()),
  file_spec: z.array(z.string()),
  package_spec: z.array(z.string()),
  dependency_spec: z.array(z.string()),
  protected_spec: z.array(z.string()),
  config: JsonObject,
  reboot_required: z.boolean(),
  lock_spec: z.boolean(),
  manifest: JsonObject.nullable(),
  capabilities: z.array(z.string()),
  trust_policy: JsonObject.nullable(),
  current_version_id: Uuid.nullable(),
  auto_promote: z.boolean(),
  consent_budget_per_day: z.number().int().nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function moduleOut(row: ModuleRow): z.infer<typeof ModuleSchema> {
  // The consent-budget window is the gate's bookkeeping, read through module.consent_budget.
  const { account_id: _a, consent_budget_used_count: _u, consent_budget_window_start_at: _w, ...rest } = row;
  return toJson(rest);
}

// The attributes a version snapshots; changing any of them makes a new draft version.
const VERSIONED = [
  "mask",
  "file_spec",
  "package_spec",
  "dependency_spec",
  "protected_spec",
  "config",
  "manifest",
] as const;
type Versioned = Pick<ModuleRow, (typeof VERSIONED)[number]>;

const manifestSha = (m: Record<string, unknown> | null) =>
  m ? createHash("sha256").update(canonicalJson(m)).digest("hex") : null;

async function snapshotVersion(ctx: OpContext, module: ModuleRow, number: number) {
  const [v] = await ctx.db
    .insert(module_versions)
    .values({
      account_id: module.account_id,
      node_module_id: module.id,
      version_number: number,
      promotion_state: "draft",
      mask: module.mask,
      file_spec: module.file_spec,
      package_spec: module.package_spec,
      dependency_spec: module.dependency_spec,
      protected_spec: module.protected_spec,
      config: module.config,
      manifest: module.manifest,
      manifest_sha256: manifestSha(module.manifest),
      created_by_id: ctx.principal.userId,
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .returning();
  if (!v) throw new Error("version insert returned nothing");
  return v;
}

async function loadModule(ctx: OpContext, id: string, forUpdate = false) {
  return findInAccount(ctx.db, node_modules, ctx.principal.accountId, id, "module", { forUpdate });
}

async function mustExist(
  ctx: OpContext,
  table: typeof node_module_categories | typeof node_platforms,
  id: string,
  field: string,
) {
  const rows = await ctx.db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.id, id), eq(table.account_id, ctx.principal.accountId)))
    .limit(1);
  if (!rows[0])
    throw invalidInput(`${field}: no such ${field.replace(/_id$/, "")} ${id}`, [
      { path: field, message: "does not exist" },
    ]);
}

async function assertSourceRepoFree(ctx: OpContext, repo: string, exceptId?: string) {
  const rows = await ctx.db
    .select({ id: node_modules.id, name: node_modules.name })
    .from(node_modules)
    .where(
      whereAll(
        eq(node_modules.account_id, ctx.principal.accountId),
        eq(node_modules.source_repo, repo),
        exceptId ? ne(node_modules.id, exceptId) : undefined,
      ),
    )
    .limit(1);
  if (rows[0])
    throw conflict(`module ${rows[0].name} already uses source_repo ${repo}`, {
      reason: "already_exists",
      details: { field: "source_repo", module_id: rows[0].id },
    });
}

/** A parent must exist in the account and must not be the module itself or one of its descendants. */
async function checkParent(ctx: OpContext, parentId: string, selfId?: string): Promise<ModuleRow> {
  const parent = await ctx.db
    .select()
    .from(node_modules)
    .where(and(eq(node_modules.id, parentId), eq(node_modules.account_id, ctx.principal.accountId)))
    .limit(1);
  if (!parent[0])
    throw invalidInput(`parent_module_id: no such module ${parentId}`, [
      { path: "parent_module_id", message: "does not exist" },
    ]);
  const chain: string[] = [];
  for (let at: ModuleRow | undefined = parent[0]; at; ) {
    if (at.id === selfId || chain.includes(at.id)) {
      throw invalidInput("parent_module_id: a module cannot be its own ancestor", [
        { path: "parent_module_id", message: "creates a parent cycle" },
      ]);
    }
    chain.push(at.id);
    if (!at.parent_module_id) break;
    [at] = await ctx.db.select().from(node_modules).where(eq(node_modules.id, at.parent_module_id)).limit(1);
  }
  return parent[0];
}

function checkManifestName(manifest: { name: string } | undefined | null, name: string) {
  if (manifest && manifest.name !== name) {
    throw invalidInput(`manifest.name: must equal the module's name ${name}`, [
      { path: "manifest.name", message: `must equal ${name}` },
    ]);
  }
}

const SpecInputs = {
  mask: GlobLines.describe("Excluded from this module's own blob (build cruft)."),
  file_spec: GlobLines.describe("rsync glob lines: the paths this module ships."),
  package_spec: PackageLines.describe("Packages installed into the build root: name, name=version or name:arch."),
  dependency_spec: GlobLines.describe("The window dependant children inherit as their file_spec."),
  protected_spec: GlobLines.describe("Owned sensitive paths, carved out of every neighbour's blob."),
};

export const moduleCreate = defineOperation({
  name: "module.create",
  title: "Create a module",
  description:
    "Create a module (a userspace layer shipped as one erofs image per architecture) and its draft version 1, a snapshot of its specs. Spec lines are trimmed, de-duplicated and sorted. A dependant child (parent_module_id) without a category goes into its parent's config or instance sibling category. Publish with module_version.publish once artifacts exist; a trust_policy is required for that.",
  examples: [
    {
      phrase: "create a module nginx shipping /etc/nginx",
      input: { name: "nginx", file_spec: ["/etc/nginx/***", "/usr/sbin/nginx"], package_spec: ["nginx"] },
    },
    {
      phrase: "add an instance-variety child of nginx for site config",
      input: { name: "nginx-site", variety: "instance", parent_module_id: "<nginx module id>" },
    },
  ],
  input: z.strictObject({
    name: ModuleName.describe("Unique per account (case-insensitive)."),
    description: z.string().max(2000).default(""),
    variety: Variety.default("config"),
    category_id: Uuid.optional(),
    priority: Priority.default(0),
    enabled: z.boolean().default(true),
    public: z.boolean().default(false),
    node_platform_id: Uuid.optional(),
    parent_module_id: Uuid.optional(),
    source_repo: z.string().min(1).max(2048).optional(),
    mask: SpecInputs.mask.default([]),
    file_spec: SpecInputs.file_spec.default([]),
    package_spec: SpecInputs.package_spec.default([]),
    dependency_spec: SpecInputs.dependency_spec.default([]),
    protected_spec: SpecInputs.protected_spec.default([]),
    config: JsonObject.default({}),
    reboot_required: z.boolean().default(false),
    lock_spec: z.boolean().default(false),
    manifest: ManifestInput.optional(),
    capabilities: z
      .array(CapabilityTag)
      .max(200)
      .optional()
      .describe("Provided tags; taken from manifest.dependencies.provides when a manifest is given."),
    trust_policy: TrustPolicyInput.optional(),
    auto_promote: z.boolean().default(true),
    consent_budget_per_day: z.number().int().min(0).optional(),
    idempotency_key: IdempotencyKey,
  }),
  output: ModuleSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "module.create",
  idempotent: false,
  http: { method: "POST", path: "/node_modules" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const taken = await ctx.db
      .select({ id: node_modules.id })
      .from(node_modules)
      .where(
        and(eq(node_modules.account_id, accountId), sql`lower(${node_modules.name}) = ${input.name.toLowerCase()}`),
      )
      .limit(1);
    if (taken[0])
      throw conflict(`a module named ${input.name} already exists`, {
        reason: "already_exists",
        details: { field: "name", module_id: taken[0].id },
      });
    checkManifestName(input.manifest, input.name);
    if (input.category_id) await mustExist(ctx, node_module_categories, input.category_id, "category_id");
    if (input.node_platform_id) await mustExist(ctx, node_platforms, input.node_platform_id, "node_platform_id");
    if (input.source_repo) await assertSourceRepoFree(ctx, input.source_repo);
    let categoryId = input.category_id ?? null;
    if (input.parent_module_id) {
      const parent = await checkParent(ctx, input.parent_module_id);
      categoryId ??= childCategoryId(parent.category_id, input.variety, await loadCategories(ctx.db, accountId));
    }
    const { idempotency_key: _k, manifest, capabilities, trust_policy, ...fields } = input;
    const [row] = await ctx.db
      .insert(node_modules)
      .values({
        ...fields,
        account_id: accountId,
        category_id: categoryId,
        manifest: manifest ?? null,
        capabilities: manifest?.dependencies?.provides ? providedCapabilities(manifest) : (capabilities ?? []),
        trust_policy: trust_policy ?? null,
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .returning();
    if (!row) throw new Error("module insert returned nothing");
    const v = await snapshotVersion(ctx, row, 1);
    await emitEvent(ctx.db, ctx, {
      kind: "module.created",
      payload: { name: row.name, variety: row.variety, version_id: v.id, version_number: 1 },
      subject_type: "node_module",
      subject_id: row.id,
      node_module_id: row.id,
      module_version_id: v.id,
    });
    return moduleOut(row);
  },
});

export const moduleGet = defineOperation({
  name: "module.get",
  title: "Get a module",
  description:
    "Read one module by id: specs, config, manifest, trust policy, current_version_id. Use module_version.list for its versions and module.dependencies for its edges.",
  examples: [
    { phrase: "show module nginx", input: { id: "<module id>" } },
    { phrase: "what does module 0190… ship", input: { id: "<module id>" } },
  ],
  input: z.strictObject(IdInput),
  output: ModuleSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_modules/:id" },
  async execute(ctx, input) {
    return moduleOut(await loadModule(ctx, input.id));
  },
});

export const moduleList = defineOperation({
  name: "module.list",
  title: "List modules",
  description:
    "List modules, oldest first, optionally filtered by variety, category, platform, enabled flag or a name substring. Paginated with limit and cursor.",
  examples: [
    { phrase: "list all modules", input: {} },
    { phrase: "which instance modules are there", input: { variety: "instance" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    variety: Variety.optional(),
    category_id: Uuid.optional(),
    node_platform_id: Uuid.optional(),
    enabled: z.boolean().optional(),
    name_contains: z.string().min(1).max(64).optional(),
  }),
  output: listOutput(ModuleSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/node_modules" },
  async execute(ctx, input) {
    const m = node_modules;
    const { after, order } = pageClause({ createdAt: m.created_at, id: m.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(m.account_id, ctx.principal.accountId),
      input.variety ? eq(m.variety, input.variety) : undefined,
      input.category_id ? eq(m.category_id, input.category_id) : undefined,
      input.node_platform_id ? eq(m.node_platform_id, input.node_platform_id) : undefined,
      input.enabled === undefined ? undefined : eq(m.enabled, input.enabled),
      containsFilter(m.name, input.name_contains),
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(m)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, moduleOut);
  },
});

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

export const moduleUpdate = defineOperation({
  name: "module.update",
  title: "Update a module",
  description:
    "Change a module's fields. Editing a versioned attribute (mask, file_spec, package_spec, dependency_spec, protected_spec, config, manifest) creates a new draft version and does not move current_version_id; a module with lock_spec refuses such edits with conflict/spec_locked (unlock it first). Pass `version` to refuse a stale write. The name cannot change.",
  examples: [
    {
      phrase: "add /etc/nginx/conf.d to nginx's file_spec",
      input: { id: "<module id>", file_spec: ["/etc/nginx/***", "/etc/nginx/conf.d/***"] },
    },
    {
      phrase: "trust nginx builds signed by our release workflow",
      input: {
        id: "<module id>",
        trust_policy: {
          cosign_identity_regexp: "^https://github\\.com/acme/nginx/\\.github/workflows/release\\.yml@refs/tags/v.+$",
          cosign_issuer_regexp: "^https://token\\.actions\\.githubusercontent\\.com$",
        },
      },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    version: z.number().int().positive().optional().describe("Expected current version (optimistic concurrency)."),
    description: z.string().max(2000).optional(),
    variety: Variety.optional(),
    category_id: Uuid.nullable().optional(),
    priority: Priority.optional(),
    enabled: z.boolean().optional(),
    public: z.boolean().optional(),
    node_platform_id: Uuid.nullable().optional(),
    parent_module_id: Uuid.nullable().optional(),
    source_repo: z.string().min(1).max(2048).nullable().optional(),
    mask: SpecInputs.mask.optional(),
    file_spec: SpecInputs.file_spec.optional(),
    package_spec: SpecInputs.package_spec.optional(),
    dependency_spec: SpecInputs.dependency_spec.optional(),
    protected_spec: SpecInputs.protected_spec.optional(),
    config: JsonObject.optional().describe("Replaces the whole config object."),
    reboot_required: z.boolean().optional(),
    lock_spec: z.boolean().optional(),
    manifest: ManifestInput.nullable().optional(),
    capabilities: z.array(CapabilityTag).max(200).optional(),
    trust_policy: TrustPolicyInput.nullable().optional(),
    auto_promote: z.boolean().optional(),
    consent_budget_per_day: z.number().int().min(0).nullable().optional(),
  }),
  output: ModuleSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "module.update",
  idempotent: true,
  http: { method: "PATCH", path: "/node_modules/:id" },
  async execute(ctx, input) {
    const current = await loadModule(ctx, input.id, true);
    if (input.version !== undefined && input.version !== current.version) {
      throw conflict(`module ${current.name} is at version ${current.version}, not ${input.version}`, {
        reason: "stale_version",
        details: { current_version: current.version },
      });
    }
    const { id: _id, version: _v, ...changes } = input;
    const versionedChanged = VERSIONED.filter(
      (k) => changes[k] !== undefined && !same(changes[k], current[k as keyof Versioned]),
    );
    if (versionedChanged.length > 0 && current.lock_spec) {
      throw conflict(
        `module ${current.name} has lock_spec set; unlock it before editing ${versionedChanged.join(", ")}`,
        {
          reason: "spec_locked",
          details: { fields: versionedChanged },
        },
      );
    }
    checkManifestName(changes.manifest, current.name);
    if (changes.category_id) await mustExist(ctx, node_module_categories, changes.category_id, "category_id");
    if (changes.node_platform_id) await mustExist(ctx, node_platforms, changes.node_platform_id, "node_platform_id");
    if (changes.parent_module_id) await checkParent(ctx, changes.parent_module_id, current.id);
    if (changes.source_repo) await assertSourceRepoFree(ctx, changes.source_repo, current.id);
    const set: Partial<typeof node_modules.$inferInsert> = { ...changes };
    if (changes.manifest?.dependencies?.provides) set.capabilities = providedCapabilities(changes.manifest);
    const [row] = await ctx.db
      .update(node_modules)
      .set({ ...set, version: current.version + 1, updated_at: ctx.now })
      .where(and(eq(node_modules.id, current.id), eq(node_modules.version, current.version)))
      .returning();
    if (!row) throw conflict("module changed concurrently", { reason: "stale_version" });
    let versionId: string | undefined;
    if (versionedChanged.length > 0) {
      const [top] = await ctx.db
        .select({ n: max(module_versions.version_number) })
        .from(module_versions)
        .where(eq(module_versions.node_module_id, row.id));
      versionId = (await snapshotVersion(ctx, row, (top?.n ?? 0) + 1)).id;
    }
    await emitEvent(ctx.db, ctx, {
      kind: "module.updated",
      payload: {
        fields: Object.keys(changes),
        ...(versionId ? { new_version_id: versionId, versioned_fields: versionedChanged } : {}),
      },
      subject_type: "node_module",
      subject_id: row.id,
      node_module_id: row.id,
      module_version_id: versionId ?? null,
    });
    return moduleOut(row);
  },
});

export const moduleDelete = defineOperation({
  name: "module.delete",
  title: "Delete a module",
  description:
    "Delete a module with its versions and artifacts. Refused with conflict/in_use while any node assignment or template join uses it, another module depends on it or is its child, or an environment pins one of its versions. Returns the deleted id.",
  examples: [
    { phrase: "delete module nginx", input: { id: "<module id>" } },
    { phrase: "remove the unused module 0190…", input: { id: "<module id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "module.delete",
  idempotent: true,
  http: { method: "DELETE", path: "/node_modules/:id" },
  async execute(ctx, input) {
    const mod = await loadModule(ctx, input.id, true);
    const countOf = async (q: Promise<{ n: number }[]>) => (await q)[0]?.n ?? 0;
    const usage = {
      assignments: await countOf(
        ctx.db
          .select({ n: count() })
          .from(node_module_assignments)
          .where(eq(node_module_assignments.node_module_id, mod.id)),
      ),
      template_joins: await countOf(
        ctx.db.select({ n: count() }).from(template_modules).where(eq(template_modules.node_module_id, mod.id)),
      ),
      dependants: await countOf(
        ctx.db.select({ n: count() }).from(module_dependencies).where(eq(module_dependencies.dependency_id, mod.id)),
      ),
      children: await countOf(
        ctx.db.select({ n: count() }).from(node_modules).where(eq(node_modules.parent_module_id, mod.id)),
      ),
      pins: await countOf(
        ctx.db
          .select({ n: count() })
          .from(module_environment_pins)
          .where(eq(module_environment_pins.node_module_id, mod.id)),
      ),
    };
    const used = Object.entries(usage).filter(([, n]) => n > 0);
    if (used.length > 0) {
      throw conflict(
        `module ${mod.name} is in use (${used.map(([k, n]) => `${n} ${k.replace("_", " ")}`).join(", ")})`,
        {
          reason: "in_use",
          details: { usage },
        },
      );
    }
    await ctx.db.delete(node_modules).where(eq(node_modules.id, mod.id));
    await emitEvent(ctx.db, ctx, {
      kind: "module.deleted",
      severity: "medium",
      payload: { name: mod.name },
      subject_type: "node_module",
      subject_id: mod.id,
      node_module_id: mod.id,
    });
    return { id: mod.id, deleted: true as const };
  },
});

const DependencySchema = z.strictObject({
  id: Uuid,
  node_module_id: Uuid,
  module_name: z.string(),
  dependency_id: Uuid,
  dependency_name: z.string(),
  dependency_type: z.enum(["requires", "recommends", "conflicts"]),
  version_constraint: z.string().nullable(),
  created_at: Timestamp,
});

async function dependencyRows(ctx: OpContext, where: SQL) {
  const dep = alias(node_modules, "dep");
  const rows = await ctx.db
    .select({
      id: module_dependencies.id,
      node_module_id: module_dependencies.node_module_id,
      module_name: node_modules.name,
      dependency_id: module_dependencies.dependency_id,
      dependency_name: dep.name,
      dependency_type: module_dependencies.dependency_type,
      version_constraint: module_dependencies.version_constraint,
      created_at: module_dependencies.created_at,
    })
    .from(module_dependencies)
    .innerJoin(node_modules, eq(node_modules.id, module_dependencies.node_module_id))
    .innerJoin(dep, eq(dep.id, module_dependencies.dependency_id))
    .where(and(eq(module_dependencies.account_id, ctx.principal.accountId), where))
    .orderBy(module_dependencies.created_at, module_dependencies.id);
  return rows.map((r) => toJson(r));
}

export const moduleDependencies = defineOperation({
  name: "module.dependencies",
  title: "List a module's dependencies",
  description:
    "The module's dependency edges (requires, recommends, conflicts) and the modules that depend on it. Use template.compose_preview to see the resolved closure of a selection.",
  examples: [
    { phrase: "what does nginx depend on", input: { id: "<module id>" } },
    { phrase: "which modules need openssl", input: { id: "<openssl module id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({
    module_id: Uuid,
    dependencies: z.array(DependencySchema),
    dependants: z.array(DependencySchema),
  }),
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_modules/:id/dependencies" },
  async execute(ctx, input) {
    const mod = await loadModule(ctx, input.id);
    return {
      module_id: mod.id,
      dependencies: await dependencyRows(ctx, eq(module_dependencies.node_module_id, mod.id)),
      dependants: await dependencyRows(ctx, eq(module_dependencies.dependency_id, mod.id)),
    };
  },
});

export const moduleAddDependency = defineOperation({
  name: "module.add_dependency",
  title: "Add a module dependency",
  description:
    "Record that a module requires, recommends or conflicts with another module. requires/recommends may carry an npm-semver version_constraint. A requires or recommends edge that would close a cycle (including parent links) is refused with conflict/dependency_cycle naming the cycle path.",
  examples: [
    {
      phrase: "nginx requires openssl 3",
      input: { id: "<nginx id>", dependency_id: "<openssl id>", dependency_type: "requires", version_constraint: "^3" },
    },
    {
      phrase: "caddy conflicts with nginx",
      input: { id: "<caddy id>", dependency_id: "<nginx id>", dependency_type: "conflicts" },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    dependency_id: Uuid,
    dependency_type: z.enum(["requires", "recommends", "conflicts"]),
    version_constraint: z.string().min(1).max(256).optional(),
    idempotency_key: IdempotencyKey,
  }),
  output: DependencySchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "module.update",
  idempotent: false,
  http: { method: "POST", path: "/node_modules/:id/dependencies" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const mod = await loadModule(ctx, input.id, true);
    if (input.dependency_id === mod.id) {
      throw invalidInput("dependency_id: a module cannot depend on itself", [
        { path: "dependency_id", message: "is the module itself" },
      ]);
    }
    const target = await findInAccount(ctx.db, node_modules, accountId, input.dependency_id, "module");
    if (input.version_constraint !== undefined) {
      if (input.dependency_type === "conflicts") {
        throw invalidInput("version_constraint: a conflicts edge takes no version constraint", [
          { path: "version_constraint", message: "not allowed for conflicts" },
        ]);
      }
      if (!isSemverRange(input.version_constraint)) {
        throw invalidInput(`version_constraint: ${input.version_constraint} is not an npm-semver range`, [
          { path: "version_constraint", message: "not an npm-semver range" },
        ]);
      }
    }
    const existing = await ctx.db
      .select({ id: module_dependencies.id, type: module_dependencies.dependency_type })
      .from(module_dependencies)
      .where(and(eq(module_dependencies.node_module_id, mod.id), eq(module_dependencies.dependency_id, target.id)))
      .limit(1);
    if (existing[0]) {
      throw conflict(`${mod.name} already has a ${existing[0].type} edge to ${target.name}`, {
        reason: "already_exists",
        details: { dependency_edge_id: existing[0].id },
      });
    }
    if (input.dependency_type !== "conflicts") {
      const deps = await ctx.db
        .select({ source: module_dependencies.node_module_id, target: module_dependencies.dependency_id })
        .from(module_dependencies)
        .where(
          and(eq(module_dependencies.account_id, accountId), ne(module_dependencies.dependency_type, "conflicts")),
        );
      const parents = await ctx.db
        .select({ source: node_modules.id, target: node_modules.parent_module_id })
        .from(node_modules)
        .where(and(eq(node_modules.account_id, accountId), isNotNull(node_modules.parent_module_id)));
      const edges = [...deps, ...parents.map((p) => ({ source: p.source, target: p.target as string }))];
      const cycle = cycleThrough(edges, mod.id, target.id);
      if (cycle) {
        const names = new Map((await loadCompositionGraph(ctx.db, accountId, cycle)).rows);
        const path = cycle.map((id) => names.get(id)?.name ?? id);
        throw conflict(`this edge would close a dependency cycle: ${path.join(" → ")}`, {
          reason: "dependency_cycle",
          details: { cycle: path, cycle_ids: cycle },
        });
      }
    }
    const [row] = await ctx.db
      .insert(module_dependencies)
      .values({
        account_id: accountId,
        node_module_id: mod.id,
        dependency_id: target.id,
        dependency_type: input.dependency_type,
        version_constraint: input.version_constraint ?? null,
        created_at: ctx.now,
      })
      .returning();
    if (!row) throw new Error("dependency insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "module.dependency_added",
      payload: {
        dependency_id: target.id,
        dependency_name: target.name,
        dependency_type: row.dependency_type,
        version_constraint: row.version_constraint,
      },
      subject_type: "node_module",
      subject_id: mod.id,
      node_module_id: mod.id,
    });
    const { account_id: _a, ...edge } = row;
    return toJson({ ...edge, module_name: mod.name, dependency_name: target.name });
  },
});

export const moduleRemoveDependency = defineOperation({
  name: "module.remove_dependency",
  title: "Remove a module dependency",
  description:
    "Delete the requires, recommends or conflicts edge from a module to dependency_id. Returns the removed edge's id.",
  examples: [
    { phrase: "nginx no longer requires openssl", input: { id: "<nginx id>", dependency_id: "<openssl id>" } },
    { phrase: "drop the conflict between caddy and nginx", input: { id: "<caddy id>", dependency_id: "<nginx id>" } },
  ],
  input: z.strictObject({ ...IdInput, dependency_id: Uuid }),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "module.update",
  idempotent: true,
  http: { method: "DELETE", path: "/node_modules/:id/dependencies/:dependency_id" },
  async execute(ctx, input) {
    const mod = await loadModule(ctx, input.id, true);
    const [row] = await ctx.db
      .delete(module_dependencies)
      .where(
        and(eq(module_dependencies.node_module_id, mod.id), eq(module_dependencies.dependency_id, input.dependency_id)),
      )
      .returning();
    if (!row) throw notFound(`dependency edge from ${mod.name} to`, input.dependency_id);
    await emitEvent(ctx.db, ctx, {
      kind: "module.dependency_removed",
      payload: { dependency_id: row.dependency_id, dependency_type: row.dependency_type },
      subject_type: "node_module",
      subject_id: mod.id,
      node_module_id: mod.id,
    });
    return { id: row.id, deleted: true as const };
  },
});

export const moduleRsyncSpec = defineOperation({
  name: "module.rsync_spec",
  title: "Render a module's rsync filter",
  description:
    "The rsync filter the builder uses for this module: `- <line>` per effective-mask line, `+ <line>` per file_spec line, then `- *`. With node_id, the mask includes what the node's other enabled assignments impose (their protected_spec; masks of higher-priority neighbours; file and dependency specs of higher locked neighbours); without it, the module's own mask (a standalone build).",
  examples: [
    { phrase: "show nginx's rsync filter", input: { id: "<module id>" } },
    { phrase: "what filter does nginx get on node edge-1", input: { id: "<module id>", node_id: "<node id>" } },
  ],
  input: z.strictObject({ ...IdInput, node_id: Uuid.optional() }),
  output: z.strictObject({ rsync_spec: z.string(), lines: z.array(z.string()) }),
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_modules/:id/rsync_spec" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const mod = await loadModule(ctx, input.id);
    let assignments: (typeof node_module_assignments.$inferSelect)[] = [];
    if (input.node_id) {
      const node = await findInAccount(ctx.db, nodes, accountId, input.node_id, "node");
      assignments = await ctx.db
        .select()
        .from(node_module_assignments)
        .where(and(eq(node_module_assignments.node_id, node.id), eq(node_module_assignments.enabled, true)));
    }
    const graph = await loadCompositionGraph(ctx.db, accountId, [mod.id, ...assignments.map((a) => a.node_module_id)]);
    const overrides = new Map(assignments.map((a) => [a.node_module_id, a.priority_override]));
    const toFilter = (row: ModuleRow): FilterModule => {
      const parent = row.parent_module_id ? graph.rows.get(row.parent_module_id) : undefined;
      return {
        id: row.id,
        name: row.name,
        effective_priority: resolveEffectivePriority(graph.modules.get(row.id)!, { ...graph, overrides }),
        lock_spec: row.lock_spec,
        mask: row.mask,
        file_spec: effectiveFileSpec(row.file_spec, parent ? parent.dependency_spec : null),
        dependency_spec: row.dependency_spec,
        protected_spec: row.protected_spec,
      };
    };
    const target = toFilter(mod);
    const neighbours = assignments.flatMap((a) => {
      const row = graph.rows.get(a.node_module_id);
      return row && row.id !== mod.id ? [toFilter(row)] : [];
    });
    const lines = renderFilter(effectiveMask(target, neighbours), target.file_spec);
    return { rsync_spec: `${lines.join("\n")}\n`, lines };
  },
});

export const moduleOperations = [
  moduleCreate,
  moduleGet,
  moduleList,
  moduleUpdate,
  moduleDelete,
  moduleDependencies,
  moduleAddDependency,
  moduleRemoveDependency,
  moduleRsyncSpec,
];
