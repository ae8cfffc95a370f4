// sync_modules and apply_config (domain.md §1.3, agent.md §8): fetch the desired set from
// GET /agent/v1/assignments (revalidated with its ETag) and the trust anchors from /trust, then
// reconcile the working directory: each module to attach is fetched into the blob cache (sha256
// while streaming), verified (delivery statement, publisher signature, fs-verity) and staged
// into `modules/<module_id>/`. A refused module is named in the report with its reason; the
// previous version stays. Signature failures in audit mode are reported as module.signature_audit.

import { createHash } from "node:crypto";
import { copyFile, link, rm } from "node:fs/promises";
import path from "node:path";
import {
  AssignmentsResponse,
  type DeliveredModule,
  manifestBytes,
  TrustResponse,
} from "@nodepilot/core/agent-protocol";
import { z } from "zod";
import { PlatformNetworkError, PlatformProblemError, PlatformResponseError } from "../client/errors.ts";
import { type Conditional, PlatformClient } from "../client/platform-client.ts";
import { EXIT, ExitError } from "../exit-codes.ts";
import { ensureCachedBlob } from "../fetch-module.ts";
import type { AgentEventSink } from "../outbox/outbox.ts";
import { readOptional, writeFileAtomic, writeJsonAtomic } from "../state/atomic.ts";
import { readPki } from "../state/pki.ts";
import type { StatePaths } from "../state/state-dir.ts";
import { VerificationError, verifyModule } from "../verify-module.ts";
import { AGENT_VERSION, agentArchitecture } from "../version.ts";
import { defineHandler, HandlerError } from "./handler.ts";
import {
  attachedModules,
  type DesiredModule,
  ModuleFailure,
  type ReconcileReport,
  reconcileModules,
} from "./modules.ts";

const Uuid = z.uuid();

/** Pinned delivery keys (spec/agent.md §8): when present, `KEYS=` restricts the accepted set. */
export const MODULE_SIGNING_CONF = "/persist/etc/nodepilot/module-signing.conf";

// The last 200 of each conditional GET, with its ETag, re-parsed on read like any other input.
const CachedAssignments = z.strictObject({ etag: z.string(), body: AssignmentsResponse });
const CachedTrust = z.strictObject({ etag: z.string(), body: TrustResponse });

const assignmentsFile = (paths: StatePaths) => path.join(paths.root, "assignments.json");
const trustFile = (paths: StatePaths) => path.join(paths.root, "trust.json");

async function readCached<T>(file: string, schema: z.ZodType<{ etag: string; body: T }>) {
  const text = await readOptional(file);
  if (!text) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A GET revalidated against the copy on disk: a 304 reuses it, a 200 replaces it. */
async function revalidated<T>(
  file: string,
  schema: z.ZodType<{ etag: string; body: T }>,
  get: (etag: string | undefined) => Promise<Conditional<T>>,
  fresh: boolean,
): Promise<T> {
  const cached = fresh ? null : await readCached(file, schema);
  const res = await get(cached?.etag);
  if (res.notModified) {
    if (!cached) throw new PlatformResponseError("304 Not Modified without a cached copy");
    return cached.body;
  }
  if (res.etag) await writeJsonAtomic(file, { etag: res.etag, body: res.data });
  return res.data;
}

/** The delivery key ids module-signing.conf pins (`KEYS=a,b` or space separated); null when absent. */
export async function readPinnedKeyIds(file = MODULE_SIGNING_CONF): Promise<Set<string> | null> {
  const text = await readOptional(file);
  if (text === null) return null;
  const line = text.split("\n").find((l) => /^\s*(export\s+)?KEYS=/.test(l));
  const value =
    line
      ?.replace(/^\s*(export\s+)?KEYS=/, "")
      .trim()
      .replace(/^["']|["']$/g, "") ?? "";
  return new Set(value.split(/[\s,]+/).filter(Boolean));
}

const servicesSha256 = (m: DeliveredModule) => {
  const services = m.manifest?.services;
  return services === undefined ? null : createHash("sha256").update(manifestBytes({ services })).digest("hex");
};

interface SyncContext {
  client: PlatformClient;
  paths: StatePaths;
  trust: TrustResponse;
  pinned: Set<string> | null;
  events: AgentEventSink | undefined;
  signal: AbortSignal;
}

async function report(ctx: SyncContext, draft: Parameters<AgentEventSink["emit"]>[0]): Promise<boolean> {
  if (!ctx.events) return false;
  try {
    await ctx.events.emit(draft);
    return true;
  } catch {
    return false;
  }
}

/** Fetch, verify and stage one module into `dir`; every refusal is a ModuleFailure naming the check. */
async function stageModule(ctx: SyncContext, entry: DeliveredModule, dir: string) {
  const { digest } = entry.artifact;
  const about = { module_id: entry.module_id, version_id: entry.version_id, digest };
  let blob: Awaited<ReturnType<typeof ensureCachedBlob>>;
  try {
    blob = await ensureCachedBlob(ctx.client, ctx.paths.cache, digest, ctx.signal);
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof ExitError && err.exitCode === EXIT.verificationFailed) {
      await report(ctx, {
        kind: "module.verify_failed",
        severity: "high",
        payload: { ...about, check: "digest", reason: message },
      });
      throw new ModuleFailure("digest_failed", message);
    }
    await report(ctx, { kind: "module.fetch_failed", severity: "medium", payload: { ...about, reason: message } });
    throw new ModuleFailure("fetch_failed", `fetching ${digest}: ${message}`);
  }
  let verified: Awaited<ReturnType<typeof verifyModule>>;
  try {
    verified = await verifyModule({
      entry,
      blobPath: blob.path,
      architecture: agentArchitecture(),
      trust: ctx.trust,
      pinnedKeyIds: ctx.pinned,
      signal: ctx.signal,
    });
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    // A refused blob never stays in the cache (spec/agent.md §8).
    await rm(blob.path, { force: true });
    await report(ctx, {
      kind: "module.verify_failed",
      severity: "high",
      payload: { ...about, check: err.check, reason: err.message },
    });
    throw new ModuleFailure(err.code, `${entry.name} ${err.check} check refused ${digest}: ${err.message}`);
  }
  if (verified.audited.length > 0) {
    const reported = await report(ctx, {
      kind: "module.signature_audit",
      severity: "medium",
      payload: { ...about, failures: verified.audited },
    });
    // Audit means "let through and say so"; with no way to say so, it is refused instead.
    if (!reported) {
      throw new ModuleFailure(
        "signature_audit_unreported",
        `${entry.name}: signature checks failed in audit mode and no event channel can report it: ${verified.audited.map((a) => a.reason).join("; ")}`,
      );
    }
  }
  const target = path.join(dir, path.basename(blob.path));
  // A hard link shares the verified cache copy; across filesystems, a copy.
  await link(blob.path, target).catch(() => copyFile(blob.path, target));
  await writeFileAtomic(
    path.join(dir, "manifest.json"),
    entry.manifest ? manifestBytes(entry.manifest) : "null",
    0o644,
  );
  await writeJsonAtomic(
    path.join(dir, "delivery.json"),
    {
      module_id: entry.module_id,
      name: entry.name,
      version_id: entry.version_id,
      version_number: entry.version_number,
      artifact: entry.artifact,
      manifest_sha256: entry.manifest_sha256,
      delivery_signature_b64: entry.delivery_signature_b64,
      signature_bundle_b64: entry.signature_bundle_b64,
      signature_mode: entry.signature_mode,
      fsverity_digest: verified.fsverity_digest,
      fsverity_enforced: verified.fsverity_enforced,
      signature_audit: verified.audited,
    },
    0o644,
  );
  return {
    name: entry.name,
    version_number: entry.version_number,
    effective_priority: entry.effective_priority,
    fsverity_enforced: verified.fsverity_enforced,
    ...(verified.audited.length > 0 ? { signature_audit: verified.audited } : {}),
  };
}

/** Platform failures become a retryable task failure; the reconcile runs again on the next attempt. */
function platformFailure(err: unknown): never {
  if (
    err instanceof PlatformProblemError ||
    err instanceof PlatformNetworkError ||
    err instanceof PlatformResponseError
  ) {
    const retryable = !(err instanceof PlatformResponseError) && (err instanceof PlatformNetworkError || err.retryable);
    throw new HandlerError("platform_unavailable", `module delivery: ${err.message}`, retryable);
  }
  throw err;
}

// One reconcile at a time per modules directory: the run service's reconcile loop and a
// sync_modules/apply_config task must not stage into the same directory at once.
const running = new Map<string, Promise<unknown>>();

/** Serialises `fn` behind any reconcile already running on this modules directory. */
async function exclusive<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = running.get(dir) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(fn);
  running.set(dir, mine);
  try {
    return await mine;
  } finally {
    if (running.get(dir) === mine) running.delete(dir);
  }
}

export interface SyncOptions {
  only?: string;
  force?: boolean;
  signal: AbortSignal;
  events: AgentEventSink | undefined;
}

/** One reconcile cycle (spec/agent.md §8): the desired set from the platform into `paths.modules`. */
export function syncFromPlatform(paths: StatePaths, opts: SyncOptions): Promise<ReconcileReport> {
  return exclusive(paths.modules, () => syncOnce(paths, opts));
}

async function syncOnce(paths: StatePaths, opts: SyncOptions): Promise<ReconcileReport> {
  const pki = await readPki(paths);
  if (!pki)
    throw new HandlerError("not_enrolled", `no PKI in ${paths.pki}: this agent cannot reach the platform`, false);
  const client = new PlatformClient({
    platformUrl: pki.meta.platform_url,
    caBundlePem: pki.caBundlePem,
    agentVersion: AGENT_VERSION,
    credentials: { keyPem: pki.keyPem, certPem: pki.certPem },
  });
  try {
    const fresh = opts.force === true;
    const [assignments, trust] = await Promise.all([
      revalidated(assignmentsFile(paths), CachedAssignments, (etag) => client.assignments(etag, opts.signal), fresh),
      revalidated(trustFile(paths), CachedTrust, (etag) => client.trust(etag, opts.signal), fresh),
    ]).catch(platformFailure);
    const ctx: SyncContext = {
      client,
      paths,
      trust,
      pinned: await readPinnedKeyIds(),
      events: opts.events,
      signal: opts.signal,
    };
    const byId = new Map(assignments.modules.map((m) => [m.module_id, m]));
    const desired: DesiredModule[] = assignments.modules.map((m) => ({
      module_id: m.module_id,
      version_id: m.version_id,
      digest: m.artifact.digest,
      services_sha256: servicesSha256(m),
    }));
    return await reconcileModules(paths.modules, desired, {
      ...(opts.only ? { only: opts.only } : {}),
      ...(opts.force ? { force: true } : {}),
      stage: (d, dir) => stageModule(ctx, byId.get(d.module_id)!, dir),
    });
  } finally {
    client.close();
  }
}

export const syncModulesHandler = defineHandler({
  command: "sync_modules",
  payload: z.strictObject({ module_id: Uuid.optional(), force_resync: z.boolean().optional() }),
  idempotent: true,
  async run({ paths, payload, signal, events }) {
    const report = await syncFromPlatform(paths, {
      ...(payload.module_id ? { only: payload.module_id } : {}),
      ...(payload.force_resync ? { force: true } : {}),
      signal,
      events,
    });
    return { ...report };
  },
});

export const applyConfigHandler = defineHandler({
  command: "apply_config",
  payload: z.strictObject({}),
  idempotent: true,
  async run({ paths, signal, events }) {
    const report = await syncFromPlatform(paths, { signal, events });
    if (report.failed.length > 0) {
      throw new HandlerError(
        "not_converged",
        `modules did not converge: ${report.failed.map((f) => `${f.module_id} (${f.error_code}: ${f.message})`).join("; ")}`.slice(
          0,
          2000,
        ),
        true,
      );
    }
    const attached = await attachedModules(paths.modules);
    return { converged: attached.map((m) => m.module_id), not_converged: [] };
  },
});
