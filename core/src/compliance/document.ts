// The compliance snapshot document (spec/autonomy.md §7.1, schema_version 1): a pure function of the
// state read in one snapshot transaction, the snapshot's metadata and its place in the chain. The
// hash is over the RFC 8785 canonical JSON of the whole document except integrity.document_hash.
import { createHash } from "node:crypto";
import { z } from "zod";
import { consentBudgetOf } from "../autonomy/consent-budget.ts";
import { canonicalJson } from "../lib/canonical-json.ts";
import type { ComplianceState, ModuleState, Period } from "./state.ts";

export const COMPLIANCE_SCHEMA_VERSION = 1;
export const COMPLIANCE_GENERATOR = "fleet-platform/compliance";
/** The prev_hash of an account's first snapshot. */
export const ZERO_HASH = "0".repeat(64);
/** The period sections cover the 24 h before generated_at, so daily snapshots tile time. */
export const PERIOD_MS = 86_400_000;

const Hash = z.string().regex(/^[0-9a-f]{64}$/);
const Time = z.string();
const Json = z.unknown();

const DecisionRef = {
  decision_id: z.string(),
  decided_at: Time,
  action_category: z.string().nullable(),
  signal_kind: z.string().nullable(),
  fingerprint: z.string().nullable(),
  severity: z.string().nullable(),
};

export const ComplianceDocumentSchema = z.strictObject({
  metadata: z.strictObject({
    schema_version: z.literal(COMPLIANCE_SCHEMA_VERSION),
    account_id: z.string(),
    account_name: z.string(),
    generated_at: Time,
    kind: z.enum(["daily", "on_demand"]),
    scope: z.literal("account"),
    generator: z.literal(COMPLIANCE_GENERATOR),
    generator_version: z.string(),
    period_start: Time,
    period_end: Time,
  }),
  nodes: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      template: z.string(),
      instance_count: z.number().int(),
      ssh_key_fingerprint: z.string(),
      created_at: Time,
    }),
  ),
  instances: z.array(
    z.strictObject({
      id: z.string(),
      node_id: z.string(),
      status: z.string(),
      architecture: z.string(),
      agent_version: z.string().nullable(),
      mtls_subject: z.string().nullable(),
      last_heartbeat_at: Time.nullable(),
      running_module_digests: z.record(z.string(), z.string()),
    }),
  ),
  modules: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      variety: z.string(),
      cosign_identity_regexp: z.string().nullable(),
      cosign_issuer_regexp: z.string().nullable(),
      trust_policy: Json,
      current_version: z
        .strictObject({
          id: z.string(),
          version_number: z.number().int(),
          promotion_state: z.string(),
          oci_digest: z.string().nullable(),
          fsverity_root_hash: z.string().nullable(),
        })
        .nullable(),
      consent_budget: z.strictObject({ limit: z.number().int().nullable(), used: z.number().int() }),
    }),
  ),
  certificates: z.array(
    z.strictObject({
      id: z.string(),
      instance_id: z.string().nullable(),
      serial: z.string(),
      subject: z.string(),
      not_after: Time,
      revoked_at: Time.nullable(),
      days_remaining: z.number().int().min(0),
    }),
  ),
  cve_exposures: z.array(
    z.strictObject({
      id: z.string(),
      cve_id: z.string(),
      severity: z.string(),
      module_version_id: z.string(),
      package_name: z.string(),
      state: z.string(),
      detected_at: Time,
    }),
  ),
  drift: z.strictObject({
    drifted_count: z.number().int(),
    reconciled_count: z.number().int(),
    drift_ratio_pct: z.number(),
    drifted_instance_ids: z.array(z.string()),
    open_config_drift_count: z.number().int(),
    gitops: z.array(
      z.strictObject({
        repository_id: z.string(),
        diff_count: z.number().int(),
        synced_revision: z.string().nullable(),
      }),
    ),
  }),
  autonomy_decisions: z.strictObject({
    counts: z.array(
      z.strictObject({ decision: z.string(), action_category: z.string().nullable(), count: z.number().int() }),
    ),
    proceeds: z.array(
      z.strictObject({
        ...DecisionRef,
        gate: z.string().nullable(),
        approval_request_id: z.string().nullable(),
        remediation_id: z.string().nullable(),
        remediation_status: z.string().nullable(),
        outcome: z.string().nullable(),
      }),
    ),
    blocked: z.array(z.strictObject({ ...DecisionRef, reasons: z.array(Json) })),
  }),
  policies: z.array(z.record(z.string(), Json)),
  approvals: z.array(
    z.strictObject({
      id: z.string(),
      category: z.string(),
      status: z.string(),
      description: z.string().max(200),
      payload_hash: z.string(),
      created_at: Time,
      decided_at: Time.nullable(),
      decisions: z.array(
        z.strictObject({
          user_id: z.string().nullable(),
          verdict: z.string(),
          step: z.number().int(),
          decided_at: Time,
          voided_at: Time.nullable(),
        }),
      ),
      execution_status: z.string().nullable(),
    }),
  ),
  learnings_summary: z.strictObject({
    counts: z.array(
      z.strictObject({ category: z.string(), status: z.string(), polarity: z.string(), count: z.number().int() }),
    ),
    top_by_effective_importance: z.array(
      z.strictObject({
        id: z.string(),
        title: z.string(),
        category: z.string(),
        status: z.string(),
        polarity: z.string(),
        action_category: z.string(),
        effective_importance: z.number(),
        confidence_score: z.number(),
      }),
    ),
    open_policy_proposals: z.array(z.record(z.string(), Json)),
  }),
  counts: z.strictObject({
    nodes: z.number().int(),
    instances: z.number().int(),
    running_instances: z.number().int(),
    modules: z.number().int(),
    live_module_versions: z.number().int(),
    retired_module_versions: z.number().int(),
    active_certificates: z.number().int(),
    open_cve_exposures: z.number().int(),
  }),
  integrity: z.strictObject({ sequence: z.number().int().min(1), prev_hash: Hash, document_hash: Hash }),
});

export type ComplianceDocument = z.infer<typeof ComplianceDocumentSchema>;
export type DocumentBody = Omit<ComplianceDocument, "integrity">;

export interface DocumentMeta {
  kind: "daily" | "on_demand";
  generatedAt: Date;
  /** The build's commit, or "unknown" when the process was not told it. */
  generatorVersion: string;
}

export const periodEnding = (generatedAt: Date): Period => ({
  start: new Date(generatedAt.getTime() - PERIOD_MS),
  end: generatedAt,
});

/**
 * The module's signer constraint as the §7.1 pair: the regexps of its one keyless identity. A policy
 * with key authorities or several identities has no single pair; `trust_policy` carries it whole.
 */
function cosignPair(policy: unknown): { identity: string | null; issuer: string | null } {
  const authorities = (policy as { authorities?: unknown } | null)?.authorities;
  const identities = Array.isArray(authorities)
    ? authorities.flatMap((a) => {
        const ids = (a as { keyless?: { identities?: unknown } } | null)?.keyless?.identities;
        return Array.isArray(ids) ? (ids as { subject_regexp?: unknown; issuer_regexp?: unknown }[]) : [];
      })
    : [];
  const only = identities.length === 1 ? identities[0] : undefined;
  return {
    identity: typeof only?.subject_regexp === "string" ? only.subject_regexp : null,
    issuer: typeof only?.issuer_regexp === "string" ? only.issuer_regexp : null,
  };
}

function moduleOut(m: ModuleState, now: Date) {
  const pair = cosignPair(m.trust_policy);
  const budget = consentBudgetOf(
    {
      consent_budget_per_day: m.consent_budget_per_day,
      consent_budget_used_count: m.consent_budget_used_count,
      consent_budget_window_start_at: m.consent_budget_window_start_at
        ? new Date(m.consent_budget_window_start_at)
        : null,
    },
    now,
  );
  return {
    id: m.id,
    name: m.name,
    variety: m.variety,
    cosign_identity_regexp: pair.identity,
    cosign_issuer_regexp: pair.issuer,
    trust_policy: m.trust_policy ?? null,
    current_version: m.current_version,
    consent_budget: { limit: budget.limit, used: budget.used },
  };
}

/** Whole days left, 0 once expired (as the cert_expiring sensor counts them). */
export function daysRemaining(notAfter: string, now: Date): number {
  const ms = new Date(notAfter).getTime() - now.getTime();
  return ms <= 0 ? 0 : Math.floor(ms / 86_400_000);
}

/** Everything but the integrity section; pure, so the same state always gives the same bytes. */
export function composeDocument(state: ComplianceState, meta: DocumentMeta): DocumentBody {
  const now = meta.generatedAt;
  const period = periodEnding(now);
  const drifted = state.drift.drifted_instance_ids.length;
  const running = state.drift.running_instances;
  const decisionsByRequest = new Map<string, ComplianceState["approval_decisions"]>();
  for (const d of state.approval_decisions) {
    const list = decisionsByRequest.get(d.approval_request_id);
    if (list) list.push(d);
    else decisionsByRequest.set(d.approval_request_id, [d]);
  }
  const ref = (d: ComplianceState["proceeds"][number]) => ({
    decision_id: d.id,
    decided_at: d.decided_at,
    action_category: d.action_category,
    signal_kind: d.signal_kind,
    fingerprint: d.fingerprint,
    severity: d.severity,
  });
  return {
    metadata: {
      schema_version: COMPLIANCE_SCHEMA_VERSION,
      account_id: state.account.id,
      account_name: state.account.name,
      generated_at: now.toISOString(),
      kind: meta.kind,
      scope: "account",
      generator: COMPLIANCE_GENERATOR,
      generator_version: meta.generatorVersion,
      period_start: period.start.toISOString(),
      period_end: period.end.toISOString(),
    },
    nodes: state.nodes,
    instances: state.instances,
    modules: state.modules.map((m) => moduleOut(m, now)),
    certificates: state.certificates.map(({ status: _s, ...c }) => ({
      ...c,
      days_remaining: daysRemaining(c.not_after, now),
    })),
    cve_exposures: state.cve_exposures,
    drift: {
      drifted_count: drifted,
      reconciled_count: running - drifted,
      drift_ratio_pct: running === 0 ? 0 : Math.round((drifted / running) * 1000) / 10,
      drifted_instance_ids: state.drift.drifted_instance_ids,
      open_config_drift_count: state.drift.open_config_drift_count,
      gitops: state.drift.gitops,
    },
    autonomy_decisions: {
      counts: state.decision_counts,
      proceeds: state.proceeds.map((d) => ({
        ...ref(d),
        gate: d.gate,
        approval_request_id: d.approval_request_id,
        remediation_id: d.remediation_id,
        remediation_status: d.remediation_status,
        outcome: d.outcome,
      })),
      blocked: state.blocked.map((d) => ({ ...ref(d), reasons: d.reasons })),
    },
    policies: state.policies as unknown as Record<string, unknown>[],
    approvals: state.approvals.map((r) => ({
      id: r.id,
      category: r.action_category,
      status: r.status,
      description: [...r.description].slice(0, 200).join(""),
      payload_hash: r.payload_hash,
      created_at: r.created_at,
      decided_at: r.decided_at,
      decisions: (decisionsByRequest.get(r.id) ?? []).map((d) => ({
        user_id: d.user_id,
        verdict: d.verdict,
        step: d.step_index,
        decided_at: d.decided_at,
        voided_at: d.voided_at,
      })),
      execution_status: r.execution_status,
    })),
    learnings_summary: {
      counts: state.learning_counts,
      top_by_effective_importance: state.top_learnings,
      open_policy_proposals: state.open_proposals as unknown as Record<string, unknown>[],
    },
    counts: {
      nodes: state.nodes.length,
      instances: state.instances.length,
      running_instances: state.instances.filter((i) => i.status === "running").length,
      modules: state.modules.length,
      live_module_versions: state.module_versions.live,
      retired_module_versions: state.module_versions.retired,
      active_certificates: state.certificates.filter(
        (c) => c.status === "active" && new Date(c.not_after).getTime() > now.getTime(),
      ).length,
      open_cve_exposures: state.cve_exposures.length,
    },
  };
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** §7.2: sha256 of the canonical document without integrity.document_hash. */
export function documentHashOf(doc: { integrity: object }): string {
  const { document_hash: _h, ...integrity } = doc.integrity as { document_hash?: unknown };
  return sha256(canonicalJson({ ...doc, integrity }));
}

/** The document with its place in the chain and its hash; refuses a body that is not schema_version 1. */
export function sealDocument(body: DocumentBody, link: { sequence: number; prev_hash: string }): ComplianceDocument {
  const unsealed = { ...body, integrity: { sequence: link.sequence, prev_hash: link.prev_hash } };
  const doc = { ...unsealed, integrity: { ...unsealed.integrity, document_hash: documentHashOf(unsealed) } };
  return ComplianceDocumentSchema.parse(doc);
}
