// Node module assignments (spec/domain.md §1.4, §3.6, §3.8): which modules a node runs. Adding or
// enabling one runs the delta conflict check over the node's enabled set; node.apply_template
// creates the assignments a node's template needs and never modifies existing ones.
import { node_module_assignments, node_modules, node_templates, nodes } from "@nodepilot/store";
import { and, eq, inArray, isNotNull, isNull, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { analyzeComposition } from "../composition/analyze.ts";
import { planApplyTemplate } from "../composition/apply-plan.ts";
import { conflictKey, errorsOf, introducedErrors, warningsOf } from "../composition/conflicts.ts";
import { ConflictSchema, checkDelta, compositionConflict } from "../composition/delta-check.ts";
import {
  type AssignmentRow,
  loadCompositionGraph,
  loadNodeSelection,
  loadTemplateSelection,
  pickSeeds,
} from "../composition/graph-loader.ts";
import type { Conflict, ModulePick } from "../composition/types.ts";
import { conflict } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdempotencyKey, IdInput, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const PriorityOverride = z.number().int().min(0).max(999);

const AssignmentSchema = z.strictObject({
  id: Uuid,
  node_id: Uuid,
  node_module_id: Uuid,
  enabled: z.boolean(),
  priority_override: z.number().int().nullable(),
  config: z.record(z.string(), z.unknown()),
  auto_resolved: z.boolean(),
  source_template_module_id: Uuid.nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const assignmentOut = ({ account_id: _a, ...rest }: AssignmentRow): z.infer<typeof AssignmentSchema> => toJson(rest);

async function loadAssignment(ctx: OpContext, id: string, forUpdate = false) {
  return findInAccount(ctx.db, node_module_assignments, ctx.principal.accountId, id, "module assignment", {
    forUpdate,
  });
}

/**
 * Refuse what enabling `moduleId` on a node would break: a disabled module, a hard dependency the
 * node does not have, or a newly introduced composition error. A node's set is taken as it stands.
 */
async function checkNodeAddition(
  ctx: OpContext,
  nodeId: string,
  module: typeof node_modules.$inferSelect,
  priorityOverride: number | null,
) {
  if (!module.enabled) {
    throw conflict(`module ${module.name} is disabled`, {
      reason: "module_disabled",
      details: { node_module_id: module.id },
    });
  }
  const selection = await loadNodeSelection(ctx.db, ctx.principal.accountId, nodeId);
  const before = selection.picks.filter((p) => p.module_id !== module.id);
  const after: ModulePick[] = [...before, { module_id: module.id, priority_override: priorityOverride }];
  const delta = await checkDelta(ctx.db, ctx.principal.accountId, before, after, { expand: false });
  const missing = delta.after.closure.missing.filter((m) => m.module_id === module.id && m.required);
  if (missing.length > 0) {
    const names = missing.map((m) => delta.graph.rows.get(m.dependency_id)?.name ?? m.dependency_id);
    throw conflict(`module ${module.name} requires ${names.join(", ")}, which the node does not have enabled`, {
      reason: "missing_dependency",
      details: { missing: missing.map((m, i) => ({ node_module_id: m.dependency_id, name: names[i] })) },
    });
  }
  if (delta.introduced.length > 0) throw compositionConflict(`assigning ${module.name}`, delta.introduced);
  return delta.warnings;
}

const WithWarnings = z.strictObject({
  assignment: AssignmentSchema,
  warnings: z
    .array(ConflictSchema)
    .optional()
    .describe("Composition warnings the change brings; omitted when there are none."),
});

export const assignmentList = defineOperation({
  name: "assignment.list",
  title: "List module assignments",
  description:
    "List node module assignments, oldest first, filtered by node, module, enabled flag or whether they came from a template (auto_resolved marks transitively pulled ones). Only enabled assignments are delivered.",
  examples: [
    { phrase: "which modules does node edge-1 have", input: { node_id: "<node id>" } },
    { phrase: "which nodes run nginx", input: { node_module_id: "<module id>", enabled: true } },
  ],
  input: z.strictObject({
    ...listInputShape,
    node_id: Uuid.optional(),
    node_module_id: Uuid.optional(),
    enabled: z.boolean().optional(),
    from_template: z.boolean().optional().describe("true: only template-derived rows; false: only hand-authored ones."),
  }),
  output: listOutput(AssignmentSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/node_module_assignments" },
  async execute(ctx, input) {
    const a = node_module_assignments;
    const { after, order } = pageClause({ createdAt: a.created_at, id: a.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(a.account_id, ctx.principal.accountId),
      input.node_id ? eq(a.node_id, input.node_id) : undefined,
      input.node_module_id ? eq(a.node_module_id, input.node_module_id) : undefined,
      input.enabled === undefined ? undefined : eq(a.enabled, input.enabled),
      input.from_template === undefined
        ? undefined
        : input.from_template
          ? isNotNull(a.source_template_module_id)
          : isNull(a.source_template_module_id),
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(a)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, assignmentOut);
  },
});

export const assignmentGet = defineOperation({
  name: "assignment.get",
  title: "Get a module assignment",
  description:
    "Read one node module assignment: node, module, enabled flag, priority_override, config and where it came from (source_template_module_id, null when hand-authored).",
  examples: [
    { phrase: "show assignment 0190…", input: { id: "<assignment id>" } },
    { phrase: "is this assignment from the template", input: { id: "<assignment id>" } },
  ],
  input: z.strictObject(IdInput),
  output: AssignmentSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_module_assignments/:id" },
  async execute(ctx, input) {
    return assignmentOut(await loadAssignment(ctx, input.id));
  },
});

export const assignmentCreate = defineOperation({
  name: "assignment.create",
  title: "Assign a module to a node",
  description:
    "Hand-assign a module to a node. Refused with conflict when the module is disabled (module_disabled), when one of its required dependencies is not enabled on the node (missing_dependency), when the node already has it (already_exists), or when it introduces a composition error (composition_conflict with conflicts[]). Use node.apply_template to assign a template's whole closure.",
  examples: [
    {
      phrase: "give node edge-1 the debug-tools module",
      input: { node_id: "<node id>", node_module_id: "<module id>" },
    },
    {
      phrase: "assign nginx to edge-1 at priority 900",
      input: { node_id: "<node id>", node_module_id: "<nginx id>", priority_override: 900 },
    },
  ],
  input: z.strictObject({
    node_id: Uuid,
    node_module_id: Uuid,
    enabled: z.boolean().default(true),
    priority_override: PriorityOverride.optional(),
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("Merged over the module's (and template join's) config."),
    idempotency_key: IdempotencyKey,
  }),
  output: WithWarnings,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "assignment.create",
  idempotent: false,
  http: { method: "POST", path: "/node_module_assignments" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const node = await findInAccount(ctx.db, nodes, accountId, input.node_id, "node", { forUpdate: true });
    const mod = await findInAccount(ctx.db, node_modules, accountId, input.node_module_id, "module");
    const dup = await ctx.db
      .select({ id: node_module_assignments.id })
      .from(node_module_assignments)
      .where(and(eq(node_module_assignments.node_id, node.id), eq(node_module_assignments.node_module_id, mod.id)))
      .limit(1);
    if (dup[0])
      throw conflict(`node ${node.name} already has module ${mod.name}`, {
        reason: "already_exists",
        details: { assignment_id: dup[0].id },
      });
    if (!mod.enabled)
      throw conflict(`module ${mod.name} is disabled`, {
        reason: "module_disabled",
        details: { node_module_id: mod.id },
      });
    const warnings = input.enabled ? await checkNodeAddition(ctx, node.id, mod, input.priority_override ?? null) : [];
    const [row] = await ctx.db
      .insert(node_module_assignments)
      .values({
        account_id: accountId,
        node_id: node.id,
        node_module_id: mod.id,
        enabled: input.enabled,
        priority_override: input.priority_override ?? null,
        config: input.config,
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .returning();
    if (!row) throw new Error("assignment insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "assignment.created",
      payload: { module_name: mod.name, enabled: row.enabled, warning_count: warnings.length },
      subject_type: "node_module_assignment",
      subject_id: row.id,
      node_id: node.id,
      node_module_id: mod.id,
    });
    return { assignment: assignmentOut(row), ...(warnings.length ? { warnings } : {}) };
  },
});

export const assignmentUpdate = defineOperation({
  name: "assignment.update",
  title: "Update a module assignment",
  description:
    "Change an assignment's priority_override (null = the module's own priority) or config. Use assignment.enable / assignment.disable to switch it. Pass `version` to refuse a stale write.",
  examples: [
    { phrase: "raise nginx's priority on edge-1 to 950", input: { id: "<assignment id>", priority_override: 950 } },
    { phrase: "clear the priority override", input: { id: "<assignment id>", priority_override: null } },
  ],
  input: z.strictObject({
    ...IdInput,
    version: z.number().int().positive().optional().describe("Expected current version (optimistic concurrency)."),
    priority_override: PriorityOverride.nullable().optional(),
    config: z.record(z.string(), z.unknown()).optional().describe("Replaces the whole config object."),
  }),
  output: AssignmentSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "assignment.update",
  idempotent: true,
  http: { method: "PATCH", path: "/node_module_assignments/:id" },
  async execute(ctx, input) {
    const current = await loadAssignment(ctx, input.id, true);
    if (input.version !== undefined && input.version !== current.version) {
      throw conflict(`assignment is at version ${current.version}, not ${input.version}`, {
        reason: "stale_version",
        details: { current_version: current.version },
      });
    }
    const { id: _id, version: _v, ...changes } = input;
    const row = await writeAssignment(ctx, current, changes);
    await emitEvent(ctx.db, ctx, {
      kind: "assignment.updated",
      payload: { fields: Object.keys(changes) },
      subject_type: "node_module_assignment",
      subject_id: row.id,
      node_id: row.node_id,
      node_module_id: row.node_module_id,
    });
    return assignmentOut(row);
  },
});

async function writeAssignment(
  ctx: OpContext,
  current: AssignmentRow,
  changes: Partial<typeof node_module_assignments.$inferInsert>,
) {
  const [row] = await ctx.db
    .update(node_module_assignments)
    .set({ ...changes, version: current.version + 1, updated_at: ctx.now })
    .where(and(eq(node_module_assignments.id, current.id), eq(node_module_assignments.version, current.version)))
    .returning();
  if (!row) throw conflict("assignment changed concurrently", { reason: "stale_version" });
  return row;
}

export const assignmentDelete = defineOperation({
  name: "assignment.delete",
  title: "Delete a module assignment",
  description:
    "Remove a module from a node for good. A template-derived row comes back on the next node.apply_template unless the join is disabled or removed; assignment.disable is the reversible alternative.",
  examples: [
    { phrase: "remove debug-tools from edge-1", input: { id: "<assignment id>" } },
    { phrase: "delete assignment 0190…", input: { id: "<assignment id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "assignment.delete",
  idempotent: true,
  http: { method: "DELETE", path: "/node_module_assignments/:id" },
  async execute(ctx, input) {
    const current = await loadAssignment(ctx, input.id, true);
    await ctx.db.delete(node_module_assignments).where(eq(node_module_assignments.id, current.id));
    await emitEvent(ctx.db, ctx, {
      kind: "assignment.deleted",
      severity: "medium",
      payload: { from_template: current.source_template_module_id !== null },
      subject_type: "node_module_assignment",
      subject_id: current.id,
      node_id: current.node_id,
      node_module_id: current.node_module_id,
    });
    return { id: current.id, deleted: true as const };
  },
});

export const assignmentEnable = defineOperation({
  name: "assignment.enable",
  title: "Enable a module assignment",
  description:
    "Deliver a disabled assignment again. Runs the same checks as assignment.create (module_disabled, missing_dependency, composition_conflict). Enabling an enabled assignment changes nothing.",
  examples: [
    { phrase: "turn nginx back on for edge-1", input: { id: "<assignment id>" } },
    { phrase: "re-enable assignment 0190…", input: { id: "<assignment id>" } },
  ],
  input: z.strictObject(IdInput),
  output: WithWarnings,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "assignment.enable",
  idempotent: true,
  http: { method: "POST", path: "/node_module_assignments/:id/enable", status: 200 },
  async execute(ctx, input) {
    const current = await loadAssignment(ctx, input.id, true);
    if (current.enabled) return { assignment: assignmentOut(current) };
    await findInAccount(ctx.db, nodes, ctx.principal.accountId, current.node_id, "node", { forUpdate: true });
    const mod = await findInAccount(ctx.db, node_modules, ctx.principal.accountId, current.node_module_id, "module");
    const warnings = await checkNodeAddition(ctx, current.node_id, mod, current.priority_override);
    const row = await writeAssignment(ctx, current, { enabled: true });
    await emitEvent(ctx.db, ctx, {
      kind: "assignment.enabled",
      payload: { module_name: mod.name },
      subject_type: "node_module_assignment",
      subject_id: row.id,
      node_id: row.node_id,
      node_module_id: row.node_module_id,
    });
    return { assignment: assignmentOut(row), ...(warnings.length ? { warnings } : {}) };
  },
});

export const assignmentDisable = defineOperation({
  name: "assignment.disable",
  title: "Disable a module assignment",
  description:
    "Stop delivering a module to a node without deleting the assignment (no conflict check: disabling is always allowed). Disabling a disabled assignment changes nothing.",
  examples: [
    { phrase: "switch off nginx on edge-1", input: { id: "<assignment id>" } },
    { phrase: "disable assignment 0190…", input: { id: "<assignment id>" } },
  ],
  input: z.strictObject(IdInput),
  output: AssignmentSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "assignment.disable",
  idempotent: true,
  http: { method: "POST", path: "/node_module_assignments/:id/disable", status: 200 },
  async execute(ctx, input) {
    const current = await loadAssignment(ctx, input.id, true);
    if (!current.enabled) return assignmentOut(current);
    const row = await writeAssignment(ctx, current, { enabled: false });
    await emitEvent(ctx.db, ctx, {
      kind: "assignment.disabled",
      payload: {},
      subject_type: "node_module_assignment",
      subject_id: row.id,
      node_id: row.node_id,
      node_module_id: row.node_module_id,
    });
    return assignmentOut(row);
  },
});

const dedupe = (list: Conflict[]) => {
  const seen = new Set<string>();
  return list.filter((c) => !seen.has(conflictKey(c)) && seen.add(conflictKey(c)));
};

export const nodeApplyTemplate = defineOperation({
  name: "node.apply_template",
  title: "Apply a node's template",
  description:
    "Create the module assignments the node's template needs (its enabled joins plus their required closure; recommends with include_optional) and the node lacks. Idempotent: existing assignments are never modified. purge_stale also removes template-derived assignments whose module left the closure (hand-authored ones stay). Runs the full conflict check and refuses any error with conflict/composition_conflict; dry_run reports the plan, warnings and errors without writing.",
  examples: [
    { phrase: "apply the template to edge-1", input: { node_id: "<node id>" } },
    {
      phrase: "what would re-applying the template to edge-1 change, dropping stale modules",
      input: { node_id: "<node id>", dry_run: true, purge_stale: true },
    },
  ],
  input: z.strictObject({
    node_id: Uuid,
    dry_run: z.boolean().default(false),
    purge_stale: z.boolean().default(false),
    include_optional: z.boolean().default(false).describe("Also follow recommends edges the template allows."),
  }),
  output: z.strictObject({
    dry_run: z.boolean(),
    created_count: z.number().int(),
    skipped_count: z.number().int(),
    purged_count: z.number().int(),
    created: z.array(
      z.strictObject({ node_module_id: Uuid, source_template_module_id: Uuid.nullable(), auto_resolved: z.boolean() }),
    ),
    purged_module_ids: z.array(Uuid),
    warnings: z.array(ConflictSchema),
    errors: z.array(ConflictSchema),
  }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "node.apply_template",
  idempotent: true,
  http: { method: "POST", path: "/nodes/:node_id/apply_template", status: 200 },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const node = await findInAccount(ctx.db, nodes, accountId, input.node_id, "node", { forUpdate: true });
    const template = await findInAccount(ctx.db, node_templates, accountId, node.node_template_id, "node template");
    const selection = await loadTemplateSelection(ctx.db, accountId, template.id);
    const existing = await loadNodeSelection(ctx.db, accountId, node.id);
    const graph = await loadCompositionGraph(ctx.db, accountId, [
      ...pickSeeds(selection.picks),
      ...existing.assignments.map((a) => a.node_module_id),
    ]);
    const full = analyzeComposition(graph, selection.picks, { expand: true, includeOptional: input.include_optional });
    const plan = planApplyTemplate({
      members: full.closure.members,
      joinByModule: selection.joinByModule,
      existing: existing.assignments,
      purgeStale: input.purge_stale,
    });
    // The node's resulting enabled set must not gain errors either (hand-authored neighbours count).
    const purgedIds = new Set(plan.purge.map((p) => p.id));
    const remaining = existing.assignments.filter((a) => a.enabled && !purgedIds.has(a.id));
    const afterPicks: ModulePick[] = [
      ...remaining.map((a) => ({ module_id: a.node_module_id, priority_override: a.priority_override })),
      ...plan.create.map((c) => ({ module_id: c.node_module_id })),
    ];
    const nodeBefore = analyzeComposition(graph, existing.picks, { expand: false });
    const nodeAfter = analyzeComposition(graph, afterPicks, { expand: false });
    const beforeKeys = new Set(nodeBefore.conflicts.map(conflictKey));
    const errors = dedupe([
      ...errorsOf(full.conflicts),
      ...introducedErrors(nodeBefore.conflicts, nodeAfter.conflicts),
    ]);
    const warnings = dedupe([
      ...warningsOf(full.conflicts),
      ...warningsOf(nodeAfter.conflicts).filter((c) => !beforeKeys.has(conflictKey(c))),
    ]);
    const result = {
      dry_run: input.dry_run,
      created_count: plan.create.length,
      skipped_count: plan.skipped_module_ids.length,
      purged_count: plan.purge.length,
      created: plan.create,
      purged_module_ids: plan.purge.map((p) => p.node_module_id),
      warnings,
      errors,
    };
    if (input.dry_run) return result;
    if (!template.enabled) {
      throw conflict(`template ${template.name} is disabled; enable it before applying it`, {
        reason: "template_disabled",
        details: { node_template_id: template.id },
      });
    }
    if (errors.length > 0) throw compositionConflict(`applying template ${template.name} to node ${node.name}`, errors);
    if (plan.create.length > 0) {
      await ctx.db.insert(node_module_assignments).values(
        plan.create.map((c) => ({
          account_id: accountId,
          node_id: node.id,
          node_module_id: c.node_module_id,
          enabled: true,
          auto_resolved: c.auto_resolved,
          source_template_module_id: c.source_template_module_id,
          created_at: ctx.now,
          updated_at: ctx.now,
        })),
      );
    }
    if (plan.purge.length > 0) {
      await ctx.db.delete(node_module_assignments).where(
        inArray(
          node_module_assignments.id,
          plan.purge.map((p) => p.id),
        ),
      );
    }
    await emitEvent(ctx.db, ctx, {
      kind: "node.template_applied",
      payload: {
        node_template_id: template.id,
        created_count: result.created_count,
        skipped_count: result.skipped_count,
        purged_count: result.purged_count,
      },
      subject_type: "node",
      subject_id: node.id,
      node_id: node.id,
    });
    return result;
  },
});

export const assignmentOperations = [
  assignmentList,
  assignmentGet,
  assignmentCreate,
  assignmentUpdate,
  assignmentDelete,
  assignmentEnable,
  assignmentDisable,
  nodeApplyTemplate,
];
