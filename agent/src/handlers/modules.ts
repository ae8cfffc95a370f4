// The attached-module record (`reconciler.json`, spec/agent.md §8) and the reconcile of the
// desired set into it. Without a module delivery API on the platform the desired set is the
// empty one the platform can express today, so reconciling really detaches anything recorded and
// attaches nothing — the report says exactly that, never more.
import { rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { readOptional, writeJsonAtomic } from "../state/atomic.ts";

const AttachedModule = z.strictObject({
  module_id: z.string(),
  version_id: z.string().nullable(),
  digest: z.string(),
  services_sha256: z.string().nullable(),
  attached_at: z.string(),
});
export type AttachedModule = z.infer<typeof AttachedModule>;

const ReconcilerFile = z.strictObject({ version: z.literal(1), modules: z.array(AttachedModule) });

export interface DesiredModule {
  module_id: string;
  version_id: string | null;
  digest: string;
  services_sha256: string | null;
}

/** `<modules dir>/reconciler.json`. */
const recordFile = (modulesDir: string) => path.join(modulesDir, "reconciler.json");

export async function attachedModules(modulesDir: string): Promise<AttachedModule[]> {
  const text = await readOptional(recordFile(modulesDir));
  return text ? ReconcilerFile.parse(JSON.parse(text)).modules : [];
}

export interface ReconcileReport {
  attached: string[];
  detached: string[];
  reattached: string[];
  failed: { module_id: string; error_code: string; message: string }[];
}

/**
 * Reconciles the working directory to `desired`. Detaching removes the module's directory and
 * record entry. Attaching needs the blob fetch/verify/mount path (spec/agent.md §8–§9), which is
 * not part of this agent yet, so a desired module that is not attached is reported as failed
 * with `module_delivery_unavailable` instead of pretending.
 */
export async function reconcileModules(
  modulesDir: string,
  desired: DesiredModule[],
  only?: string,
): Promise<ReconcileReport> {
  const all = await attachedModules(modulesDir);
  // With `only`, modules other than that one are outside this reconcile and stay as they are.
  const untouched = only ? all.filter((m) => m.module_id !== only) : [];
  const current = only ? all.filter((m) => m.module_id === only) : all;
  if (only) desired = desired.filter((m) => m.module_id === only);
  const want = new Map(desired.map((m) => [m.module_id, m]));
  const report: ReconcileReport = { attached: [], detached: [], reattached: [], failed: [] };
  const keep: AttachedModule[] = [];
  for (const m of current) {
    const d = want.get(m.module_id);
    if (!d) {
      await rm(path.join(modulesDir, m.module_id), { recursive: true, force: true });
      report.detached.push(m.module_id);
    } else keep.push(m);
  }
  for (const d of desired) {
    const have = keep.find((m) => m.module_id === d.module_id);
    if (have && have.digest === d.digest && have.services_sha256 === d.services_sha256) continue;
    report.failed.push({
      module_id: d.module_id,
      error_code: "module_delivery_unavailable",
      message: `cannot fetch ${d.digest}: this agent has no module delivery path yet`,
    });
  }
  if (report.detached.length > 0 || current.length > 0) {
    await writeJsonAtomic(recordFile(modulesDir), { version: 1, modules: [...untouched, ...keep] });
  }
  return report;
}
