// What a compliance snapshot reports on (spec/autonomy.md §7.1), read from the store in one
// REPEATABLE READ, READ ONLY transaction so every section describes the same instant. Each section is
// one set-based statement over the account; nothing is read per row. Timestamps are formatted as
// RFC 3339 UTC with milliseconds by the database, so the document is the same whichever driver reads it.
import type { Db, DecisionReason, PolicyConditions, Tx } from "@nodepilot/store";
import { type SQL, sql } from "drizzle-orm";
import { notFound } from "../errors.ts";

/** `to_char` to `2026-03-01T04:45:00.000Z`; null stays null. */
const iso = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const col = (name: string) => sql.raw(name);

export interface NodeState {
  id: string;
  name: string;
  template: string;
  instance_count: number;
  ssh_key_fingerprint: string;
  created_at: string;
}

export interface InstanceState {
  id: string;
  node_id: string;
  status: string;
  architecture: string;
  agent_version: string | null;
  mtls_subject: string | null;
  last_heartbeat_at: string | null;
  running_module_digests: Record<string, string>;
}

export interface ModuleState {
  id: string;
  name: string;
  variety: string;
  trust_policy: unknown;
  current_version: {
    id: string;
    version_number: number;
    promotion_state: string;
    oci_digest: string | null;
    fsverity_root_hash: string | null;
  } | null;
  consent_budget_per_day: number | null;
  consent_budget_used_count: number;
  consent_budget_window_start_at: string | null;
}

export interface CertificateState {
  id: string;
  instance_id: string | null;
  serial: string;
  subject: string;
  status: string;
  not_after: string;
  revoked_at: string | null;
}

export interface CveExposureState {
  id: string;
  cve_id: string;
  severity: string;
  module_version_id: string;
  package_name: string;
  state: string;
  detected_at: string;
}

export interface DriftState {
  running_instances: number;
  drifted_instance_ids: string[];
  open_config_drift_count: number;
  gitops: { repository_id: string; diff_count: number; synced_revision: string | null }[];
}

export interface DecisionCount {
  decision: string;
  action_category: string | null;
  count: number;
}

export interface DecisionState {
  id: string;
  decided_at: string;
  action_category: string | null;
  signal_kind: string | null;
  fingerprint: string | null;
  severity: string | null;
  gate: string | null;
  reasons: DecisionReason[];
  approval_request_id: string | null;
  remediation_id: string | null;
  /** The remediation's status and validated outcome (§3.7), when the decision acted. */
  remediation_status: string | null;
  outcome: string | null;
}

export interface PolicyState {
  id: string;
  scope: string;
  action_category: string;
  actor_type: string;
  agent_id: string | null;
  user_id: string | null;
  policy: string;
  priority: number;
  conditions: PolicyConditions;
  approval_chain_id: string | null;
  preferred_channels: string[];
  is_active: boolean;
  version: number;
  created_by: string;
  source_proposal_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApprovalState {
  id: string;
  action_category: string;
  status: string;
  description: string;
  payload_hash: string;
  created_at: string;
  decided_at: string | null;
  execution_status: string | null;
}

export interface ApprovalDecisionState {
  approval_request_id: string;
  user_id: string | null;
  verdict: string;
  step_index: number;
  decided_at: string;
  voided_at: string | null;
}

export interface LearningCount {
  category: string;
  status: string;
  polarity: string;
  count: number;
}

export interface TopLearningState {
  id: string;
  title: string;
  category: string;
  status: string;
  polarity: string;
  action_category: string;
  effective_importance: number;
  confidence_score: number;
}

export interface ProposalState {
  id: string;
  action_category: string;
  direction: string;
  from_policy: string;
  to_policy: string;
  evidence_learning_ids: string[];
  rationale: string;
  expires_at: string;
  created_at: string;
}

export interface ComplianceState {
  account: { id: string; name: string };
  nodes: NodeState[];
  instances: InstanceState[];
  modules: ModuleState[];
  module_versions: { live: number; retired: number };
  certificates: CertificateState[];
  cve_exposures: CveExposureState[];
  drift: DriftState;
  decision_counts: DecisionCount[];
  proceeds: DecisionState[];
  blocked: DecisionState[];
  policies: PolicyState[];
  approvals: ApprovalState[];
  approval_decisions: ApprovalDecisionState[];
  learning_counts: LearningCount[];
  top_learnings: TopLearningState[];
  open_proposals: ProposalState[];
}

/** The window the period sections cover: (start, end], end being the snapshot's generated_at. */
export interface Period {
  start: Date;
  end: Date;
}

/** Approval requests reported even when the period has fewer (§7.1 "≥ last 50"). */
export const MIN_APPROVALS = 50;
export const TOP_LEARNINGS = 10;

/** Reads every section of one account's snapshot in one consistent, read-only transaction. */
export async function readComplianceState(
  db: Db,
  accountId: string,
  now: Date,
  period: Period,
): Promise<ComplianceState> {
  return db.transaction(
    async (tx) => {
      const rows = async <T>(q: SQL) => (await tx.execute(q)).rows as unknown as T[];
      const a = sql`${accountId}::uuid`;
      const start = sql`${period.start.toISOString()}::timestamptz`;
      const end = sql`${period.end.toISOString()}::timestamptz`;
      const at = sql`${now.toISOString()}::timestamptz`;

      const [account] = await rows<{ id: string; name: string }>(sql`SELECT id, name FROM accounts WHERE id = ${a}`);
      if (!account) throw notFound("account", accountId);

      const nodes = await rows<NodeState>(sql`
        SELECT n.id, n.name, t.name AS template, COALESCE(c.n, 0)::int AS instance_count, n.ssh_key_fingerprint,
          ${iso(col("n.created_at"))} AS created_at
        FROM nodes n
        JOIN node_templates t ON t.id = n.node_template_id
        LEFT JOIN (
          SELECT node_id, count(*) AS n FROM node_instances
          WHERE account_id = ${a} AND status <> 'terminated' GROUP BY node_id
        ) c ON c.node_id = n.id
        WHERE n.account_id = ${a}
        ORDER BY n.id`);

      // The mTLS subject is the instance's active certificate's (one per instance, a partial unique index).
      const instances = await rows<InstanceState>(sql`
        SELECT i.id, i.node_id, i.status, i.architecture, i.agent_version, c.subject AS mtls_subject,
          ${iso(col("i.last_heartbeat_at"))} AS last_heartbeat_at, i.running_module_digests
        FROM node_instances i
        LEFT JOIN node_certificates c ON c.node_instance_id = i.id AND c.status = 'active'
        WHERE i.account_id = ${a} AND i.status <> 'terminated'
        ORDER BY i.id`);

      const modules = await rows<ModuleState>(sql`
        SELECT m.id, m.name, m.variety, m.trust_policy,
          CASE WHEN v.id IS NULL THEN NULL ELSE jsonb_build_object(
            'id', v.id, 'version_number', v.version_number, 'promotion_state', v.promotion_state,
            'oci_digest', v.oci_digest, 'fsverity_root_hash', v.fsverity_root_hash) END AS current_version,
          m.consent_budget_per_day, m.consent_budget_used_count,
          ${iso(col("m.consent_budget_window_start_at"))} AS consent_budget_window_start_at
        FROM node_modules m
        LEFT JOIN module_versions v ON v.id = m.current_version_id
        WHERE m.account_id = ${a}
        ORDER BY m.id`);

      const [versions] = await rows<{ live: number; retired: number }>(sql`
        SELECT count(*) FILTER (WHERE promotion_state = 'live')::int AS live,
          count(*) FILTER (WHERE promotion_state = 'retired')::int AS retired
        FROM module_versions WHERE account_id = ${a}`);

      // Live certificates, and revoked ones that have not expired yet (those a relying party must
      // still refuse); superseded and expired ones are history, not exposure.
      const certificates = await rows<CertificateState>(sql`
        SELECT id, node_instance_id AS instance_id, serial, subject, status,
          ${iso(col("not_after"))} AS not_after, ${iso(col("revoked_at"))} AS revoked_at
        FROM node_certificates
        WHERE account_id = ${a} AND (status = 'active' OR (revoked_at IS NOT NULL AND not_after > ${at}))
        ORDER BY id`);

      const cveExposures = await rows<CveExposureState>(sql`
        SELECT e.id, e.cve_id, c.severity, e.module_version_id, e.package_name, e.state,
          ${iso(col("e.detected_at"))} AS detected_at
        FROM cve_exposures e
        JOIN cves c ON c.cve_id = e.cve_id
        WHERE e.account_id = ${a} AND e.state IN ('open', 'remediating')
        ORDER BY e.id`);

      const drift = await readDrift(tx, a);

      const decisionCounts = await rows<DecisionCount>(sql`
        SELECT decision, action_category, count(*)::int AS count
        FROM fleet_decisions
        WHERE account_id = ${a} AND created_at > ${start} AND created_at <= ${end}
        GROUP BY decision, action_category
        ORDER BY decision, action_category NULLS FIRST`);

      const periodDecisions = await rows<DecisionState & { decision: string }>(sql`
        SELECT d.id, d.decision, ${iso(sql.raw("d.created_at"))} AS decided_at, d.action_category, d.signal_kind,
          d.fingerprint, d.severity, d.gate, d.reasons, d.approval_request_id, d.remediation_id,
          r.status AS remediation_status, r.outcome
        FROM fleet_decisions d
        LEFT JOIN fleet_remediations r ON r.id = d.remediation_id AND r.account_id = d.account_id
        WHERE d.account_id = ${a} AND d.created_at > ${start} AND d.created_at <= ${end}
          AND d.decision IN ('proceed', 'blocked')
        ORDER BY d.created_at, d.id`);
      const pick = (d: string) => periodDecisions.filter((r) => r.decision === d).map(({ decision: _d, ...r }) => r);

      const policies = await rows<PolicyState>(sql`
        SELECT id, scope, action_category, actor_type, agent_id, user_id, policy, priority, conditions,
          approval_chain_id, preferred_channels, is_active, version, created_by, source_proposal_id,
          ${iso(col("created_at"))} AS created_at, ${iso(col("updated_at"))} AS updated_at
        FROM intervention_policies
        WHERE account_id = ${a} AND is_active
        ORDER BY id`);

      const reported = sql`
        SELECT id FROM approval_requests
        WHERE account_id = ${a} AND created_at <= ${end}
          AND (created_at > ${start} OR id IN (
            SELECT id FROM approval_requests WHERE account_id = ${a} AND created_at <= ${end}
            ORDER BY created_at DESC, id DESC LIMIT ${MIN_APPROVALS}))`;
      const approvals = await rows<ApprovalState>(sql`
        SELECT id, action_category, status, description, payload_hash, ${iso(col("created_at"))} AS created_at,
          ${iso(col("decided_at"))} AS decided_at, execution_status
        FROM approval_requests WHERE id IN (${reported})
        ORDER BY created_at, id`);
      const approvalDecisions = await rows<ApprovalDecisionState>(sql`
        SELECT approval_request_id, user_id, verdict, step_index, ${iso(col("decided_at"))} AS decided_at,
          ${iso(col("voided_at"))} AS voided_at
        FROM approval_decisions
        WHERE account_id = ${a} AND approval_request_id IN (${reported})
        ORDER BY approval_request_id, step_index, decided_at, id`);

      const learningCounts = await rows<LearningCount>(sql`
        SELECT category, status, polarity, count(*)::int AS count
        FROM learnings WHERE account_id = ${a}
        GROUP BY category, status, polarity
        ORDER BY category, status, polarity`);

      // Effective importance (§5.2): the stored importance until 5 injections, then blended with
      // the observed success rate (Laplace-smoothed).
      const topLearnings = await rows<TopLearningState>(sql`
        SELECT id, title, category, status, polarity, action_category, confidence_score, effective_importance
        FROM (
          SELECT *, CASE WHEN injection_count < 5 THEN importance_score
            ELSE 0.3 * importance_score + 0.7 * (positive_outcome_count + 2)::float8 / (injection_count + 4) END
            AS effective_importance
          FROM learnings WHERE account_id = ${a} AND status IN ('active', 'verified')
        ) l
        ORDER BY effective_importance DESC, id
        LIMIT ${TOP_LEARNINGS}`);

      const openProposals = await rows<ProposalState>(sql`
        SELECT id, action_category, direction, from_policy, to_policy, evidence_learning_ids, rationale,
          ${iso(col("expires_at"))} AS expires_at, ${iso(col("created_at"))} AS created_at
        FROM policy_proposals WHERE account_id = ${a} AND status = 'open'
        ORDER BY id`);

      return {
        account,
        nodes,
        instances,
        modules,
        module_versions: versions ?? { live: 0, retired: 0 },
        certificates,
        cve_exposures: cveExposures,
        drift,
        decision_counts: decisionCounts,
        proceeds: pick("proceed"),
        blocked: pick("blocked"),
        policies,
        approvals,
        approval_decisions: approvalDecisions,
        learning_counts: learningCounts,
        top_learnings: topLearnings,
        open_proposals: openProposals,
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

/**
 * Module drift as sensor #3 defines it, for every running instance at once: an enabled assignment
 * whose module's current version has a digest the instance does not report running (missing or
 * mismatched), or a reported module with no enabled assignment (extra). Config drift is the
 * config_drift sensor's open conditions; GitOps drift each enabled repository's newest good sync.
 */
async function readDrift(tx: Tx, a: SQL): Promise<DriftState> {
  const [modules] = (
    await tx.execute(sql`
      WITH run AS (
        SELECT id, node_id, running_module_digests AS d FROM node_instances
        WHERE account_id = ${a} AND status = 'running'
      ),
      assigned AS (
        SELECT r.id AS instance_id, a.node_module_id::text AS module_id, v.oci_digest
        FROM run r
        JOIN node_module_assignments a ON a.node_id = r.node_id AND a.enabled
        JOIN node_modules m ON m.id = a.node_module_id
        LEFT JOIN module_versions v ON v.id = m.current_version_id
      ),
      drifted AS (
        SELECT s.instance_id AS id FROM assigned s JOIN run r ON r.id = s.instance_id
        WHERE s.oci_digest IS NOT NULL AND (r.d ->> s.module_id) IS DISTINCT FROM s.oci_digest
        UNION
        SELECT r.id FROM run r CROSS JOIN LATERAL jsonb_object_keys(r.d) AS k(module_id)
        WHERE NOT EXISTS (SELECT 1 FROM assigned s WHERE s.instance_id = r.id AND s.module_id = k.module_id)
      )
      SELECT (SELECT count(*)::int FROM run) AS running_instances,
        COALESCE((SELECT array_agg(id::text ORDER BY id) FROM drifted), '{}'::text[]) AS drifted_instance_ids`)
  ).rows as unknown as { running_instances: number; drifted_instance_ids: string[] }[];
  const [config] = (
    await tx.execute(sql`
      SELECT count(*)::int AS n FROM fleet_signal_states
      WHERE account_id = ${a} AND kind = 'fleet.config_drift' AND cleared_at IS NULL`)
  ).rows as unknown as { n: number }[];
  const gitops = (
    await tx.execute(sql`
      SELECT r.id AS repository_id, COALESCE(run.diff_count, 0)::int AS diff_count, run.synced_revision
      FROM gitops_repositories r
      LEFT JOIN LATERAL (
        SELECT sr.diff_count, sr.synced_revision FROM gitops_sync_runs sr
        WHERE sr.repository_id = r.id AND sr.status = 'succeeded'
        ORDER BY sr.completed_at DESC LIMIT 1
      ) run ON true
      WHERE r.account_id = ${a} AND r.enabled
      ORDER BY r.id`)
  ).rows as unknown as DriftState["gitops"];
  return {
    running_instances: modules?.running_instances ?? 0,
    drifted_instance_ids: modules?.drifted_instance_ids ?? [],
    open_config_drift_count: config?.n ?? 0,
    gitops,
  };
}
