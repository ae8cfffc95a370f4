// Module fixtures for sensor tests: a module with a published version (its digest made up but
// well-formed), and assignments of modules to nodes, inserted through the store's tables.
import { randomBytes } from "node:crypto";
import {
  type Database,
  type MODULE_VERSION_STATES,
  module_versions,
  node_module_assignments,
  node_modules,
} from "@nodepilot/store";
import { eq } from "drizzle-orm";

export const fakeDigest = () => `sha256:${randomBytes(32).toString("hex")}`;

export interface SeededModule {
  moduleId: string;
  versionId: string;
  digest: string;
}

/** A module whose current version is `state` (default live) with a fresh digest. */
export async function seedModule(
  database: Database,
  accountId: string,
  opts: { state?: (typeof MODULE_VERSION_STATES)[number]; current?: boolean } = {},
): Promise<SeededModule> {
  const db = database.db;
  const [m] = await db
    .insert(node_modules)
    .values({ account_id: accountId, name: `m-${randomBytes(5).toString("hex")}` })
    .returning();
  const digest = fakeDigest();
  const [v] = await db
    .insert(module_versions)
    .values({
      account_id: accountId,
      node_module_id: m!.id,
      version_number: 1,
      promotion_state: opts.state ?? "live",
      oci_digest: digest,
    })
    .returning();
  if (opts.current !== false) {
    await db.update(node_modules).set({ current_version_id: v!.id }).where(eq(node_modules.id, m!.id));
  }
  return { moduleId: m!.id, versionId: v!.id, digest };
}

export async function assignModule(
  database: Database,
  accountId: string,
  nodeId: string,
  moduleId: string,
  opts: { enabled?: boolean; updatedAt?: Date } = {},
): Promise<string> {
  const [a] = await database.db
    .insert(node_module_assignments)
    .values({
      account_id: accountId,
      node_id: nodeId,
      node_module_id: moduleId,
      enabled: opts.enabled ?? true,
      ...(opts.updatedAt ? { updated_at: opts.updatedAt } : {}),
    })
    .returning();
  return a!.id;
}
