// The discovery chain (spec/agent.md §2): sources in order under one 30 s deadline. The first
// source yielding instance_id, an https platform_url and a parseable CA wins; everything else is
// recorded so `identity_unresolved` can say what each source answered.
import { X509Certificate } from "node:crypto";
import { IdentityRecord } from "@nodepilot/core/agent-protocol";
import { ExitError } from "../exit-codes.ts";
import { agentArchitecture } from "../version.ts";
import { type ClaimBasis, type ClaimOptions, claimIdentity } from "./claim.ts";
import { awsSource, azureSource, digitalOceanSource, gcpSource } from "./cloud.ts";
import { cmdlineSource, DEFAULT_CMDLINE_PATH } from "./cmdline.ts";
import { filesSource } from "./files.ts";
import { DEFAULT_SYSFS_ROOT, fwCfgSource } from "./fw-cfg.ts";
import type { IdentityFields, IdentitySourceProbe, SourceName } from "./outcome.ts";
import { DEFAULT_METADATA_BASE_URL } from "./probe.ts";

export const DISCOVERY_DEADLINE_MS = 30_000;

export interface SourceReport {
  source: SourceName;
  status: "won" | "absent" | "error" | "incomplete" | "skipped";
  detail: string;
}

export class IdentityUnresolvedError extends Error {
  readonly code = "identity_unresolved";
  constructor(readonly reports: SourceReport[]) {
    super(`identity unresolved: ${reports.map((r) => `${r.source}: ${r.status} (${r.detail})`).join("; ")}`);
  }
}

export interface DiscoveryOptions {
  cmdlinePath?: string;
  sysfsRoot?: string;
  metadataBaseUrl?: string;
  identityFile?: string;
  identityFileCandidates?: readonly string[];
  /** Restrict discovery to one source (`identity --source`). */
  only?: SourceName;
  deadlineMs?: number;
  now?: () => Date;
  /** Source 8 (claim) settings, or false to never claim. */
  claim?: ClaimOptions | false;
}

/** No-network sources first, then the cloud probes, then files (spec/agent.md §2 order). */
export function defaultSources(opts: DiscoveryOptions = {}): IdentitySourceProbe[] {
  const base = opts.metadataBaseUrl ?? DEFAULT_METADATA_BASE_URL;
  const files = filesSource({
    ...(opts.identityFile ? { explicitFile: opts.identityFile } : {}),
    ...(opts.identityFileCandidates ? { candidates: opts.identityFileCandidates } : {}),
  });
  // An explicit identity file is the operator saying where identity lives: try it first so a
  // sandbox on a cloud VM does not pick up the host's user data.
  const rest = [
    cmdlineSource(opts.cmdlinePath ?? DEFAULT_CMDLINE_PATH),
    fwCfgSource(opts.sysfsRoot ?? DEFAULT_SYSFS_ROOT),
    awsSource(base),
    gcpSource(base),
    azureSource(base),
    digitalOceanSource(base),
  ];
  return opts.identityFile ? [files, ...rest] : [...rest, files];
}

/** Why a source's fields cannot win, or null when they can. */
export function missingFields(fields: IdentityFields): string | null {
  const missing: string[] = [];
  if (!fields.instance_id) missing.push("instance_id");
  if (!fields.platform_url) missing.push("platform_url");
  if (!fields.ca_pem) missing.push("ca");
  if (missing.length) return `missing ${missing.join(", ")}`;
  if (!fields.platform_url!.startsWith("https://")) return `platform_url ${fields.platform_url} is not https`;
  try {
    new X509Certificate(fields.ca_pem!);
  } catch {
    return "CA is not a parseable PEM certificate";
  }
  return null;
}

export async function resolveIdentity(
  opts: DiscoveryOptions = {},
  sources = defaultSources(opts),
): Promise<{ record: IdentityRecord; reports: SourceReport[] }> {
  const deadline = AbortSignal.timeout(opts.deadlineMs ?? DISCOVERY_DEADLINE_MS);
  const reports: SourceReport[] = [];
  let claimBasis: ClaimBasis | undefined;
  for (const source of sources) {
    // `--source claim` still reads the identity files: they say where to claim from.
    const onlyForClaim = opts.only === "claim" && source.name === "files";
    if (opts.only && source.name !== opts.only && !onlyForClaim) continue;
    if (deadline.aborted) {
      reports.push({ source: source.name, status: "skipped", detail: "discovery deadline passed" });
      continue;
    }
    const outcome = await source.probe({ signal: deadline });
    if (outcome.status === "absent") {
      reports.push({ source: source.name, status: "absent", detail: outcome.detail });
      continue;
    }
    if (outcome.status === "error") {
      reports.push({ source: source.name, status: "error", detail: outcome.error });
      continue;
    }
    claimBasis ??= source.name === "files" ? claimBasisOf(outcome.fields) : undefined;
    if (onlyForClaim) {
      reports.push({ source: source.name, status: "skipped", detail: "read only for where to claim from" });
      continue;
    }
    const why = missingFields(outcome.fields);
    if (why) {
      reports.push({ source: source.name, status: "incomplete", detail: why });
      continue;
    }
    const parsed = IdentityRecord.safeParse({
      instance_id: outcome.fields.instance_id,
      ...(outcome.fields.bootstrap_token ? { bootstrap_token: outcome.fields.bootstrap_token } : {}),
      platform_url: outcome.fields.platform_url,
      ca_bundle_pem: outcome.fields.ca_pem,
      architecture: agentArchitecture(),
      source: source.name,
      discovered_at: (opts.now?.() ?? new Date()).toISOString(),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      reports.push({
        source: source.name,
        status: "incomplete",
        detail: `${issue?.path.join(".")}: ${issue?.message}`,
      });
      continue;
    }
    reports.push({ source: source.name, status: "won", detail: "identity complete" });
    return { record: parsed.data, reports };
  }
  if (opts.claim !== false && (claimBasis || opts.only === "claim")) {
    return { record: await claim(claimBasis, opts, reports), reports };
  }
  throw new IdentityUnresolvedError(reports);
}

/** A file with SERVER and a usable CA but neither ID nor KEY: a generic image (source 8). */
function claimBasisOf(fields: IdentityFields): ClaimBasis | undefined {
  if (fields.instance_id || fields.bootstrap_token || !fields.platform_url || !fields.ca_pem) return undefined;
  if (missingFields({ ...fields, instance_id: "claim" })) return undefined;
  return { platform_url: fields.platform_url, ca_pem: fields.ca_pem };
}

/** Source 8 runs after the others and outside their deadline: it waits for a human. */
async function claim(
  basis: ClaimBasis | undefined,
  opts: DiscoveryOptions,
  reports: SourceReport[],
): Promise<IdentityRecord> {
  if (!basis) {
    reports.push({ source: "claim", status: "absent", detail: "no identity file gave SERVER and a CA without ID/KEY" });
    throw new IdentityUnresolvedError(reports);
  }
  try {
    const claimed = await claimIdentity(basis, opts.claim || {});
    const record = IdentityRecord.parse({
      instance_id: claimed.instance_id,
      bootstrap_token: claimed.bootstrap_token,
      platform_url: claimed.platform_url,
      ca_bundle_pem: claimed.ca_pem,
      architecture: agentArchitecture(),
      source: "claim",
      discovered_at: (opts.now?.() ?? new Date()).toISOString(),
    });
    reports.push({ source: "claim", status: "won", detail: `claimed as instance ${record.instance_id}` });
    return record;
  } catch (err) {
    reports.push({ source: "claim", status: "error", detail: (err as Error).message });
    // A refusal that carries its own exit code (409: enrollment refused) is not "unresolved".
    if (err instanceof ExitError) throw err;
    throw new IdentityUnresolvedError(reports);
  }
}

/** The record for display: the token is shown only as its length (`identity` command). */
export function redactIdentity(record: IdentityRecord): Record<string, unknown> {
  const { bootstrap_token, ...rest } = record;
  return {
    ...rest,
    bootstrap_token: bootstrap_token === undefined ? null : `<redacted ${bootstrap_token.length} chars>`,
  };
}
