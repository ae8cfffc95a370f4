// The attached-module record (`reconciler.json`, spec/agent.md §8) and the reconcile of a desired
// set into the working directory: toDetach (recorded, not desired) loses its directory; toAttach
// (not recorded, or another digest) and toReattach (same digest, changed services or version) are
// staged by the caller's `stage` — fetch and verify — into a fresh directory that replaces the old
// one only once it is complete, so a refused blob leaves the previous version in place.
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { readOptional, writeJsonAtomic } from "../state/atomic.ts";

const AttachedModule = z.strictObject({
  module_id: z.string(),
  version_id: z.string().nullable(),
  digest: z.string(),
  services_sha256: z.string().nullable(),
  attached_at: z.string(),
  // Written since module delivery; absent in records of older agents.
  name: z.string().optional(),
  version_number: z.int().optional(),
  effective_priority: z.int().optional(),
  fsverity_enforced: z.boolean().optional(),
  signature_audit: z.array(z.strictObject({ check: z.string(), reason: z.string() })).optional(),
});
export type AttachedModule = z.infer<typeof AttachedModule>;

const ReconcilerFile = z.strictObject({ version: z.literal(1), modules: z.array(AttachedModule) });

export interface DesiredModule {
  module_id: string;
  version_id: string | null;
  digest: string;
  services_sha256: string | null;
}

/** What staging adds to the record beyond the desired entry. */
export type StagedDetails = Partial<
  Pick<AttachedModule, "name" | "version_number" | "effective_priority" | "fsverity_enforced" | "signature_audit">
>;

/** A module that could not be staged; `code` goes into the task report. */
export class ModuleFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ReconcileOptions {
  /** Reconcile only this module; every other record entry stays as it is. */
  only?: string;
  /** Re-stage modules that look current (a forced resync re-verifies everything). */
  force?: boolean;
  /** Fills `dir` (empty, fresh) with the module's verified content; throws to refuse it. */
  stage: (module: DesiredModule, dir: string) => Promise<StagedDetails>;
  now?: () => Date;
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

const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;

/** Puts a staged directory where the module lives, replacing the previous one only after it is complete. */
async function swapIn(modulesDir: string, moduleId: string, staged: string) {
  const target = path.join(modulesDir, moduleId);
  if (!(await exists(target))) return rename(staged, target);
  const old = path.join(modulesDir, `.old-${moduleId}-${randomBytes(4).toString("hex")}`);
  await rename(target, old);
  await rename(staged, target);
  await rm(old, { recursive: true, force: true });
}

export async function reconcileModules(
  modulesDir: string,
  desired: readonly DesiredModule[],
  opts: ReconcileOptions,
): Promise<ReconcileReport> {
  const now = opts.now ?? (() => new Date());
  const { only } = opts;
  await mkdir(modulesDir, { recursive: true, mode: 0o755 });
  const all = await attachedModules(modulesDir);
  // With `only`, modules other than that one are outside this reconcile and stay as they are.
  const untouched = only ? all.filter((m) => m.module_id !== only) : [];
  const current = only ? all.filter((m) => m.module_id === only) : all;
  const wanted = only ? desired.filter((m) => m.module_id === only) : [...desired];
  const want = new Set(wanted.map((m) => m.module_id));
  const report: ReconcileReport = { attached: [], detached: [], reattached: [], failed: [] };

  // Detach top-first: the reverse of the order modules were attached in.
  for (const m of [...current].reverse()) {
    if (want.has(m.module_id)) continue;
    await rm(path.join(modulesDir, m.module_id), { recursive: true, force: true });
    report.detached.push(m.module_id);
  }

  const next: AttachedModule[] = [];
  for (const d of wanted) {
    const have = current.find((m) => m.module_id === d.module_id);
    const same =
      have?.digest === d.digest && have.services_sha256 === d.services_sha256 && have.version_id === d.version_id;
    if (have && same && !opts.force) {
      next.push(have);
      continue;
    }
    const staged = path.join(modulesDir, `.stage-${d.module_id}-${randomBytes(4).toString("hex")}`);
    await mkdir(staged, { mode: 0o755 });
    try {
      const details = await opts.stage(d, staged);
      await swapIn(modulesDir, d.module_id, staged);
      next.push({ ...d, ...details, attached_at: now().toISOString() });
      (have?.digest === d.digest ? report.reattached : report.attached).push(d.module_id);
    } catch (err) {
      await rm(staged, { recursive: true, force: true });
      report.failed.push({
        module_id: d.module_id,
        error_code: err instanceof ModuleFailure ? err.code : "attach_failed",
        message: (err as Error).message.slice(0, 2000),
      });
      // The previous version stays attached (spec/agent.md §8, "If a check fails").
      if (have) next.push(have);
    }
  }
  if (current.length > 0 || next.length > 0) {
    await writeJsonAtomic(recordFile(modulesDir), { version: 1, modules: [...untouched, ...next] });
  }
  return report;
}
