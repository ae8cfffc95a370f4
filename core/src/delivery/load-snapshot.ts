// Reads the delivery snapshot of one instance (see snapshot.ts) in a handful of set queries. The
// caller picks the transaction: the agent route reads it in the same repeatable-read snapshot as the
// revision, so the body always matches its ETag.
import {
  type DbOrTx,
  environments,
  module_artifacts,
  module_dependencies,
  module_environment_pins,
  module_versions,
  node_instances,
  node_module_assignments,
  node_modules,
  node_templates,
  nodes,
  template_modules,
} from "@nodepilot/store";
import { and, eq, inArray, sql } from "drizzle-orm";
import { loadCategories, toCompModule } from "../composition/graph-loader.ts";
import type { CompEdge } from "../composition/types.ts";
import { notFound } from "../errors.ts";
import type { DeliverySnapshot, SnapshotEnvironment, SnapshotModule, SnapshotVersion } from "./snapshot.ts";

export async function loadDeliverySnapshot(
  db: DbOrTx,
  accountId: string,
  instanceId: string,
): Promise<DeliverySnapshot> {
  // Sequential on purpose: inside a transaction these share one connection.
  const [inst] = await db
    .select({
      id: node_instances.id,
      node_id: node_instances.node_id,
      architecture: node_instances.architecture,
      environment_id: sql<
        string | null
      >`coalesce(${node_instances.environment_id}, ${nodes.environment_id}, ${node_templates.environment_id})`,
    })
    .from(node_instances)
    .innerJoin(nodes, eq(nodes.id, node_instances.node_id))
    .innerJoin(node_templates, eq(node_templates.id, nodes.node_template_id))
    .where(and(eq(node_instances.account_id, accountId), eq(node_instances.id, instanceId)));
  if (!inst) throw notFound("node instance", instanceId);

  let environment: SnapshotEnvironment | null = null;
  if (inst.environment_id) {
    const [env] = await db.select().from(environments).where(eq(environments.id, inst.environment_id));
    if (env) {
      environment = {
        id: env.id,
        name: env.name,
        delivery_mode: env.delivery_mode,
        min_promotion_state: env.min_promotion_state,
        protected: env.protected,
        signature_mode: env.signature_mode,
      };
    }
  }

  const assignmentRows = await db
    .select({ a: node_module_assignments, join_enabled: template_modules.enabled })
    .from(node_module_assignments)
    .leftJoin(template_modules, eq(template_modules.id, node_module_assignments.source_template_module_id))
    .where(and(eq(node_module_assignments.account_id, accountId), eq(node_module_assignments.node_id, inst.node_id)));
  const assignments = assignmentRows.map(({ a, join_enabled }) => ({
    id: a.id,
    node_module_id: a.node_module_id,
    enabled: a.enabled,
    priority_override: a.priority_override,
    // A join deleted since (set null) leaves a hand-authored row; a live join decides by its flag.
    template_join_enabled: a.source_template_module_id === null ? null : (join_enabled ?? null),
  }));
  const moduleIds = [...new Set(assignments.map((a) => a.node_module_id))];
  const categories = await loadCategories(db, accountId);
  if (moduleIds.length === 0) {
    return {
      instance: inst,
      environment,
      assignments,
      modules: new Map(),
      edges: [],
      categories,
      versions: new Map(),
      pins: new Map(),
    };
  }

  const moduleRows = await db.select().from(node_modules).where(inArray(node_modules.id, moduleIds));
  const modules = new Map<string, SnapshotModule>(
    moduleRows.map((r) => [
      r.id,
      {
        ...toCompModule(r),
        reboot_required: r.reboot_required,
        trust_policy: r.trust_policy,
        current_version_id: r.current_version_id,
      },
    ]),
  );
  const edges: CompEdge[] = (
    await db.select().from(module_dependencies).where(inArray(module_dependencies.node_module_id, moduleIds))
  ).map((d) => ({
    source: d.node_module_id,
    target: d.dependency_id,
    type: d.dependency_type,
    version_constraint: d.version_constraint,
  }));
  const pinRows = environment
    ? await db
        .select({ module: module_environment_pins.node_module_id, version: module_environment_pins.module_version_id })
        .from(module_environment_pins)
        .where(
          and(
            eq(module_environment_pins.environment_id, environment.id),
            inArray(module_environment_pins.node_module_id, moduleIds),
          ),
        )
    : [];
  const pins = new Map(pinRows.map((p) => [p.module, p.version]));

  const versionIds = [
    ...new Set([
      ...moduleRows.flatMap((r) => (r.current_version_id ? [r.current_version_id] : [])),
      ...pinRows.map((p) => p.version),
    ]),
  ];
  const versions = new Map<string, SnapshotVersion>();
  if (versionIds.length > 0) {
    const versionRows = await db.select().from(module_versions).where(inArray(module_versions.id, versionIds));
    const artifactRows = await db
      .select()
      .from(module_artifacts)
      .where(
        and(
          inArray(module_artifacts.module_version_id, versionIds),
          eq(module_artifacts.architecture, inst.architecture),
        ),
      );
    const artifactOf = new Map(artifactRows.map((a) => [a.module_version_id, a]));
    for (const v of versionRows) {
      const a = artifactOf.get(v.id);
      versions.set(v.id, {
        id: v.id,
        node_module_id: v.node_module_id,
        version_number: v.version_number,
        source_version: v.source_version,
        promotion_state: v.promotion_state,
        manifest: v.manifest,
        artifact: a
          ? {
              oci_digest: a.oci_digest,
              size_bytes: a.size_bytes,
              fsverity_root_hash: a.fsverity_root_hash,
              media_type: a.media_type,
              signature_bundle: a.signature_bundle,
            }
          : null,
      });
    }
  }
  return { instance: inst, environment, assignments, modules, edges, categories, versions, pins };
}
