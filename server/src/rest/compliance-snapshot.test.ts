// Compliance snapshots through REST (spec/autonomy.md §7): the document's content on a seeded fleet,
// the hash chain across snapshots, signatures with the account's delivery key, verification of
// tampered documents, broken links and gaps, the append-only trigger, concurrent creates, scopes and
// account isolation.
import { createPublicKey, randomUUID, verify } from "node:crypto";
import { gzipSync } from "node:zlib";
import {
  type ComplianceDocument,
  canonicalJson,
  createApprovalRequest,
  documentHashOf,
  ensureDeliveryKey,
  issueToken,
  recordDecision,
  systemPrincipal,
} from "@nodepilot/core";
import {
  compliance_snapshots,
  cve_exposures,
  cves,
  fleet_decisions,
  fleet_events,
  fleet_remediations,
  fleet_signal_states,
  gitops_repositories,
  gitops_sync_runs,
  intervention_policies,
  learnings,
  module_versions,
  node_certificates,
  node_instances,
  node_module_assignments,
  node_modules,
  policy_proposals,
  users,
} from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let auditor: string;
const db = () => fleet.runtime.database.db;
const accountId = () => fleet.runtime.accountId;
const DAY = 86_400_000;
const hex = (c: string) => c.repeat(64);

/** Ids of what seedFleet wrote, by role. */
const seeded = {} as Record<
  | "nodeA"
  | "nodeB"
  | "moduleId"
  | "versionId"
  | "i1"
  | "i2"
  | "i3"
  | "i4"
  | "i5"
  | "certActive"
  | "certSuperseded"
  | "certRevoked"
  | "certExpired"
  | "cveOpen"
  | "cveId"
  | "repoId"
  | "proceed"
  | "blocked"
  | "oldDecision"
  | "remediationId"
  | "approval"
  | "proposal",
  string
>;

async function insertInstance(
  nodeId: string,
  name: string,
  status: "running" | "stopped" | "terminated",
  digests = {},
) {
  const [row] = await db()
    .insert(node_instances)
    .values({
      account_id: accountId(),
      node_id: nodeId,
      name,
      variety: "local",
      status,
      agent_version: "1.2.3",
      last_heartbeat_at: new Date(Date.now() - 30_000),
      running_module_digests: digests,
    })
    .returning();
  return row!.id;
}

async function cert(instanceId: string, status: "active" | "superseded" | "revoked", notAfter: Date, subject: string) {
  const [row] = await db()
    .insert(node_certificates)
    .values({
      account_id: accountId(),
      serial: randomUUID().replaceAll("-", ""),
      subject,
      issuer_subject: "CN=test CA",
      node_instance_id: instanceId,
      not_before: new Date(Date.now() - DAY),
      not_after: notAfter,
      pem_chain: "-----BEGIN CERTIFICATE-----\nfixture\n-----END CERTIFICATE-----\n",
      public_key_sha256: hex("c"),
      status,
      revoked_at: status === "revoked" ? new Date() : null,
    })
    .returning();
  return row!.id;
}

/** A fleet with a little of everything the document reports on. */
async function seedFleet() {
  const a = accountId();
  const templateId = await fleet.createTemplate("compliance-tpl");
  const nodeA = await fleet.api("POST", "/api/v1/nodes", { body: { name: "audit-a", node_template_id: templateId } });
  const nodeB = await fleet.api("POST", "/api/v1/nodes", { body: { name: "audit-b", node_template_id: templateId } });
  expect(nodeA.status).toBe(201);
  seeded.nodeA = nodeA.body.data.id;
  seeded.nodeB = nodeB.body.data.id;

  const trust = {
    authorities: [
      {
        keyless: {
          trust_root: "public-good",
          identities: [
            {
              issuer_regexp: "^https://token\\.actions\\.githubusercontent\\.com$",
              subject_regexp: "^https://github\\.com/acme/.+$",
            },
          ],
        },
      },
    ],
    min_signatures: 1,
    require_attestations: [],
  };
  const [mod] = await db()
    .insert(node_modules)
    .values({
      account_id: a,
      name: "audit-nginx",
      trust_policy: trust,
      consent_budget_per_day: 5,
      consent_budget_used_count: 2,
      consent_budget_window_start_at: new Date(Date.now() - 3600_000),
    })
    .returning();
  const [version] = await db()
    .insert(module_versions)
    .values({
      account_id: a,
      node_module_id: mod!.id,
      version_number: 1,
      promotion_state: "live",
      oci_digest: `sha256:${hex("d")}`,
      fsverity_root_hash: hex("f"),
    })
    .returning();
  await db().insert(module_versions).values({
    account_id: a,
    node_module_id: mod!.id,
    version_number: 2,
    promotion_state: "retired",
  });
  await db().update(node_modules).set({ current_version_id: version!.id }).where(eq(node_modules.id, mod!.id));
  seeded.moduleId = mod!.id;
  seeded.versionId = version!.id;
  await db().insert(node_module_assignments).values({ account_id: a, node_id: seeded.nodeA, node_module_id: mod!.id });

  // i1 runs what node A is assigned; i2 runs nothing (missing); i4 on node B runs an unassigned module (extra).
  seeded.i1 = await insertInstance(seeded.nodeA, "i1", "running", { [mod!.id]: `sha256:${hex("d")}` });
  seeded.i2 = await insertInstance(seeded.nodeA, "i2", "running");
  seeded.i3 = await insertInstance(seeded.nodeA, "i3", "terminated");
  seeded.i4 = await insertInstance(seeded.nodeB, "i4", "running", { [randomUUID()]: `sha256:${hex("e")}` });
  seeded.i5 = await insertInstance(seeded.nodeB, "i5", "stopped");

  seeded.certActive = await cert(seeded.i1, "active", new Date(Date.now() + 30.5 * DAY), "CN=i1");
  seeded.certSuperseded = await cert(seeded.i1, "superseded", new Date(Date.now() + 10 * DAY), "CN=i1-old");
  seeded.certRevoked = await cert(seeded.i2, "revoked", new Date(Date.now() + 5 * DAY), "CN=i2");
  seeded.certExpired = await cert(seeded.i4, "active", new Date(Date.now() - DAY), "CN=i4");

  const cveId = `CVE-2024-${String(Math.floor(Math.random() * 90000) + 10000)}`;
  await db()
    .insert(cves)
    .values({ cve_id: cveId, severity: "high", ingested_at: new Date(), feed_source: "test" })
    .onConflictDoNothing();
  const exposure = (package_name: string, state: "open" | "remediating" | "resolved") => ({
    account_id: a,
    cve_id: cveId,
    module_version_id: version!.id,
    package_name,
    package_version: "1.0",
    state,
    match_method: "manual" as const,
    detected_at: new Date(),
  });
  const exposures = await db()
    .insert(cve_exposures)
    .values([exposure("openssl", "open"), exposure("zlib", "remediating"), exposure("curl", "resolved")])
    .returning();
  seeded.cveOpen = exposures[0]!.id;
  seeded.cveId = cveId;

  const [repo] = await db()
    .insert(gitops_repositories)
    .values({ account_id: a, name: "fleet-repo", url: "https://git.example/fleet.git" })
    .returning();
  await db()
    .insert(gitops_sync_runs)
    .values({
      account_id: a,
      repository_id: repo!.id,
      status: "succeeded",
      started_at: new Date(Date.now() - 60_000),
      completed_at: new Date(),
      synced_revision: "abc123",
      diff_count: 2,
      diff_summary: { create: 1, update: 1, destroy: 0 },
    });
  seeded.repoId = repo!.id;
  const state = (fingerprint: string, cleared: boolean) => ({
    account_id: a,
    kind: "fleet.config_drift",
    fingerprint,
    sensor: "config_drift",
    first_seen_at: new Date(),
    last_seen_at: new Date(),
    cleared_at: cleared ? new Date() : null,
    last_severity: "medium" as const,
  });
  await db()
    .insert(fleet_signal_states)
    .values([state("config_drift:a", false), state("config_drift:b", true)]);

  const origin = {
    principal: systemPrincipal(a, []),
    source: "gate" as const,
    correlationId: "tick:t",
    now: new Date(),
  };
  const remediationId = randomUUID();
  await db()
    .insert(fleet_remediations)
    .values({
      id: remediationId,
      account_id: a,
      action_category: "instance.mark_dead",
      applier: "instance_mark_dead",
      target_type: "node_instance",
      target_id: randomUUID(),
      idempotency_key: `compliance-${remediationId}`,
      payload_hash: "0".repeat(64),
      status: "applied",
      outcome: "effective",
      validated_at: new Date(),
    });
  const proceed = await db().transaction((tx) =>
    recordDecision(tx, origin, {
      decision: "proceed",
      reasons: [],
      action_category: "instance.mark_dead",
      signal_kind: "fleet.instance_silent",
      fingerprint: "instance_silent:x",
      severity: "high",
      gate: "auto_approve",
      remediation_id: remediationId,
    }),
  );
  const blocked = await db().transaction((tx) =>
    recordDecision(tx, origin, {
      decision: "blocked",
      reasons: [{ code: "policy_block", detail: { policy: "block" } }],
      action_category: "instance.recover",
      severity: "medium",
    }),
  );
  const old = await db().transaction((tx) =>
    recordDecision(tx, origin, { decision: "proceed", reasons: [], action_category: "instance.mark_dead" }),
  );
  await db()
    .update(fleet_decisions)
    .set({ created_at: new Date(Date.now() - 2 * DAY) })
    .where(eq(fleet_decisions.id, old.id));
  Object.assign(seeded, { proceed: proceed.id, blocked: blocked.id, oldDecision: old.id, remediationId });

  const { request } = await db().transaction((tx) =>
    createApprovalRequest(tx, origin, {
      action_payload: {
        account_id: a,
        action_category: "instance.recover",
        target: { type: "node_instance", id: seeded.i2 },
        params: { instance_id: seeded.i2, operation: "reboot" },
      },
      dedup_key: `instance.recover:${seeded.i2}`,
      severity: "high",
      description: `Reboot instance i2 ${"x".repeat(300)}`,
    }),
  );
  const approved = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${request.id}/approve`, {
    token: fleet.tokens.writer,
    body: { payload_hash: request.payload_hash },
  });
  expect(approved.status).toBe(200);
  seeded.approval = request.id;

  const learning = (title: string, importance: number, extra: Partial<typeof learnings.$inferInsert> = {}) => ({
    account_id: a,
    source: "decision_outcome" as const,
    title,
    category: "pattern" as const,
    polarity: "confirmed" as const,
    action_category: "module.sync",
    situation_text: title,
    situation_hash: randomUUID(),
    importance_score: importance,
    confidence_score: 0.6,
    ...extra,
  });
  await db()
    .insert(learnings)
    .values([
      ...Array.from({ length: 11 }, (_, i) => learning(`plain ${i}`, 0.1 + i * 0.05)),
      // 10 injections, 10 positive: 0.3·0.05 + 0.7·12/14 = 0.615 — above the plain 0.6 ones.
      learning("proven", 0.05, { injection_count: 10, positive_outcome_count: 10 }),
      learning("gone", 0.99, { status: "retired", polarity: "rejected", category: "failure_mode" }),
    ]);
  const [proposal] = await db()
    .insert(policy_proposals)
    .values({
      account_id: a,
      action_category: "module.sync",
      direction: "tighten",
      from_policy: "auto_approve",
      to_policy: "notify_and_proceed",
      evidence_learning_ids: [],
      rationale: "three failures",
      expires_at: new Date(Date.now() + 14 * DAY),
    })
    .returning();
  seeded.proposal = proposal!.id;
}

beforeAll(async () => {
  [fleet, other] = await Promise.all([
    createTestFleet({ startRunners: false }),
    createTestFleet({ startRunners: false }),
  ]);
  const [viewer] = await db()
    .insert(users)
    .values({ account_id: accountId(), email: `auditor-${randomUUID()}@test`, display_name: "auditor", role: "viewer" })
    .returning();
  auditor = (
    await issueToken(db(), {
      accountId: accountId(),
      userId: viewer!.id,
      name: "auditor",
      scopes: ["security:read"],
      expiresAt: new Date(Date.now() + DAY),
    })
  ).plaintext;
  await seedFleet();
});
afterAll(async () => {
  await Promise.all([fleet?.close(), other?.close()]);
});

const create = (f: TestFleet = fleet) => f.api("POST", "/api/v1/compliance/snapshots", { body: {} });
const getDoc = async (id: string, f: TestFleet = fleet): Promise<ComplianceDocument> => {
  const res = await f.api("GET", `/api/v1/compliance/snapshots/${id}`, { token: f === fleet ? auditor : undefined });
  expect(res.status).toBe(200);
  return res.body.data.document;
};
const verifyChain = async (f: TestFleet = fleet) => {
  const res = await f.api("GET", "/api/v1/compliance/snapshots/verify", { token: f === fleet ? auditor : undefined });
  expect(res.status).toBe(200);
  return res.body.data;
};

/** Runs `fn` with triggers off (session_replication_role = replica): how a tamperer with superuser rights would. */
async function tamper(
  fn: (tx: Parameters<Parameters<ReturnType<typeof db>["transaction"]>[0]>[0]) => Promise<unknown>,
) {
  await db().transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL session_replication_role = replica`);
    await fn(tx);
  });
}

const rowOf = async (sequence: number) => {
  const [r] = await db()
    .select()
    .from(compliance_snapshots)
    .where(and(eq(compliance_snapshots.account_id, accountId()), eq(compliance_snapshots.sequence, sequence)));
  return r!;
};

describe("the compliance document", () => {
  let doc: ComplianceDocument;
  let created: { id: string; sequence: number; document_hash: string };

  beforeAll(async () => {
    const res = await create();
    expect(res.status).toBe(201);
    created = res.body.data;
    doc = await getDoc(created.id);
  });

  it("answers 201 {id, sequence, document_hash} and stores the canonical document whose hash it names", async () => {
    expect(Object.keys(created).sort()).toEqual(["document_hash", "id", "sequence"]);
    expect(created.sequence).toBe(1);
    expect(created.document_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.integrity).toEqual({ sequence: 1, prev_hash: hex("0"), document_hash: created.document_hash });
    expect(documentHashOf(doc)).toBe(created.document_hash);
    expect(Object.keys(doc).sort()).toEqual(
      [
        "approvals",
        "autonomy_decisions",
        "certificates",
        "counts",
        "cve_exposures",
        "drift",
        "instances",
        "integrity",
        "learnings_summary",
        "metadata",
        "modules",
        "nodes",
        "policies",
      ].sort(),
    );
  });

  it("has the metadata of an on-demand account snapshot over the last 24 h", () => {
    const m = doc.metadata;
    expect(m).toMatchObject({
      schema_version: 1,
      account_id: accountId(),
      kind: "on_demand",
      scope: "account",
      generator: "fleet-platform/compliance",
      generator_version: "unknown",
    });
    expect(new Date(m.period_end).getTime() - new Date(m.period_start).getTime()).toBe(DAY);
    expect(m.period_end).toBe(m.generated_at);
  });

  it("lists nodes with their template and live instance count, and live instances with their mTLS subject", () => {
    const a = doc.nodes.find((n) => n.id === seeded.nodeA)!;
    expect(a).toMatchObject({ name: "audit-a", template: "compliance-tpl", instance_count: 2 });
    expect(a.ssh_key_fingerprint).toMatch(/^SHA256:/);
    const ids = doc.instances.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining([seeded.i1, seeded.i2, seeded.i4, seeded.i5]));
    expect(ids).not.toContain(seeded.i3);
    const i1 = doc.instances.find((i) => i.id === seeded.i1)!;
    expect(i1).toMatchObject({
      node_id: seeded.nodeA,
      status: "running",
      architecture: "amd64",
      mtls_subject: "CN=i1",
    });
    expect(i1.running_module_digests).toEqual({ [seeded.moduleId]: `sha256:${hex("d")}` });
    expect(doc.instances.find((i) => i.id === seeded.i2)!.mtls_subject).toBeNull();
  });

  it("lists modules with the signer regexps, current version and consent budget", () => {
    const m = doc.modules.find((x) => x.id === seeded.moduleId)!;
    expect(m).toMatchObject({
      name: "audit-nginx",
      cosign_identity_regexp: "^https://github\\.com/acme/.+$",
      cosign_issuer_regexp: "^https://token\\.actions\\.githubusercontent\\.com$",
      current_version: {
        id: seeded.versionId,
        version_number: 1,
        promotion_state: "live",
        oci_digest: `sha256:${hex("d")}`,
        fsverity_root_hash: hex("f"),
      },
      consent_budget: { limit: 5, used: 2 },
    });
  });

  it("lists live and revoked-unexpired certificates with whole days remaining, 0 once expired", () => {
    const byId = new Map(doc.certificates.map((c) => [c.id, c]));
    expect(byId.get(seeded.certActive)).toMatchObject({
      instance_id: seeded.i1,
      subject: "CN=i1",
      days_remaining: 30,
    });
    expect(byId.get(seeded.certRevoked)?.revoked_at).not.toBeNull();
    expect(byId.get(seeded.certExpired)?.days_remaining).toBe(0);
    expect(byId.has(seeded.certSuperseded)).toBe(false);
  });

  it("lists open and remediating CVE exposures with the CVE's severity", () => {
    expect(doc.cve_exposures.map((e) => e.package_name).sort()).toEqual(["openssl", "zlib"]);
    expect(doc.cve_exposures.find((e) => e.id === seeded.cveOpen)).toMatchObject({
      cve_id: seeded.cveId,
      severity: "high",
      module_version_id: seeded.versionId,
      state: "open",
    });
  });

  it("summarises module, config and GitOps drift", () => {
    expect(doc.drift).toEqual({
      drifted_count: 2,
      reconciled_count: 1,
      drift_ratio_pct: 66.7,
      drifted_instance_ids: [seeded.i2, seeded.i4].sort(),
      open_config_drift_count: 1,
      gitops: [{ repository_id: seeded.repoId, diff_count: 2, synced_revision: "abc123" }],
    });
  });

  it("counts the period's decisions and lists each proceed with its remediation and each block with its reasons", () => {
    const { counts, proceeds, blocked } = doc.autonomy_decisions;
    expect(counts).toEqual(
      expect.arrayContaining([
        { decision: "proceed", action_category: "instance.mark_dead", count: 1 },
        { decision: "blocked", action_category: "instance.recover", count: 1 },
      ]),
    );
    expect(proceeds.map((p) => p.decision_id)).toEqual([seeded.proceed]);
    expect(proceeds[0]).toMatchObject({
      remediation_id: seeded.remediationId,
      remediation_status: "applied",
      outcome: "effective",
      gate: "auto_approve",
      severity: "high",
    });
    expect(blocked).toEqual([
      expect.objectContaining({
        decision_id: seeded.blocked,
        reasons: [{ code: "policy_block", detail: { policy: "block" } }],
      }),
    ]);
  });

  it("includes every active policy row with its version", async () => {
    const active = await db()
      .select()
      .from(intervention_policies)
      .where(and(eq(intervention_policies.account_id, accountId()), eq(intervention_policies.is_active, true)));
    expect(active.length).toBeGreaterThan(0);
    expect(doc.policies.map((p) => p.id).sort()).toEqual(active.map((p) => p.id).sort());
    expect(doc.policies[0]).toHaveProperty("version");
    expect(doc.policies[0]).toHaveProperty("conditions");
  });

  it("lists approvals with a 200-character description and their decisions", () => {
    const r = doc.approvals.find((x) => x.id === seeded.approval)!;
    expect(r).toMatchObject({ category: "instance.recover", status: "approved" });
    expect(r.description).toHaveLength(200);
    expect(r.decisions).toEqual([expect.objectContaining({ verdict: "approve", step: 0, voided_at: null })]);
    expect(r.decided_at).not.toBeNull();
  });

  it("summarises learnings by category, status and polarity, the top 10 by effective importance and open proposals", () => {
    const s = doc.learnings_summary;
    expect(s.counts).toEqual(
      expect.arrayContaining([
        { category: "pattern", status: "active", polarity: "confirmed", count: 12 },
        { category: "failure_mode", status: "retired", polarity: "rejected", count: 1 },
      ]),
    );
    expect(s.top_by_effective_importance).toHaveLength(10);
    expect(s.top_by_effective_importance[0]?.title).toBe("proven");
    expect(s.top_by_effective_importance[0]?.effective_importance).toBeCloseTo(0.615, 6);
    expect(s.top_by_effective_importance.map((l) => l.title)).not.toContain("gone");
    expect(s.open_policy_proposals.map((p) => p.id)).toEqual([seeded.proposal]);
  });

  it("counts the fleet", () => {
    expect(doc.counts).toEqual({
      nodes: 2,
      instances: 4,
      running_instances: 3,
      modules: 1,
      live_module_versions: 1,
      retired_module_versions: 1,
      active_certificates: 1,
      open_cve_exposures: 2,
    });
  });

  it("emits compliance.snapshot_archived with the hash, sequence and counts", async () => {
    const [event] = await db()
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, accountId()), eq(fleet_events.subject_id, created.id)));
    expect(event).toMatchObject({ kind: "compliance.snapshot_archived", severity: "low", source: "compliance" });
    expect(event!.payload).toMatchObject({ sequence: 1, document_hash: created.document_hash, counts: doc.counts });
  });
});

describe("the chain", () => {
  it("links each snapshot to the previous one, signs with the delivery key once there is one, and verifies", async () => {
    const key = await ensureDeliveryKey(db(), fleet.runtime.services.secrets, accountId(), new Date());
    const made: { id: string; sequence: number; document_hash: string }[] = [];
    for (let i = 0; i < 3; i++) made.push((await create()).body.data);
    expect(made.map((m) => m.sequence)).toEqual([2, 3, 4]);
    const first = await rowOf(1);
    expect(first.signature).toBeNull();
    let prev = first.document_hash;
    for (const m of made) {
      const row = await rowOf(m.sequence);
      expect(row.prev_hash).toBe(prev);
      expect(row.signature_key_id).toBe(key.keyId);
      const signed = Buffer.from(`nodepilot-compliance-snapshot-v1\n${m.document_hash}`);
      expect(verify(null, signed, createPublicKey(key.publicKeyPem), Buffer.from(row.signature!, "base64"))).toBe(true);
      prev = m.document_hash;
    }
    expect(await verifyChain()).toEqual({ valid: true, checked: 4 });

    const page1 = await fleet.api("GET", "/api/v1/compliance/snapshots?limit=3", { token: auditor });
    expect(page1.body.data.map((s: { sequence: number }) => s.sequence)).toEqual([4, 3, 2]);
    expect(page1.body.meta.has_more).toBe(true);
    const page2 = await fleet.api("GET", `/api/v1/compliance/snapshots?limit=3&cursor=${page1.body.meta.next_cursor}`, {
      token: auditor,
    });
    expect(page2.body.data.map((s: { sequence: number }) => s.sequence)).toEqual([1]);
    expect(page2.body.data[0]).toMatchObject({ kind: "on_demand", generated_by: expect.stringMatching(/^user:/) });
  });

  it("finds a tampered document: hash_mismatch at its sequence", async () => {
    const row = await rowOf(2);
    const doc = (await getDoc(row.id)) as ComplianceDocument;
    const forged = { ...doc, counts: { ...doc.counts, nodes: doc.counts.nodes + 1 } };
    await tamper((tx) =>
      tx
        .update(compliance_snapshots)
        .set({ document: gzipSync(Buffer.from(canonicalJson(forged))) })
        .where(eq(compliance_snapshots.id, row.id)),
    );
    try {
      expect(await verifyChain()).toEqual({ valid: false, checked: 2, first_bad_sequence: 2, reason: "hash_mismatch" });
    } finally {
      await tamper((tx) =>
        tx.update(compliance_snapshots).set({ document: row.document }).where(eq(compliance_snapshots.id, row.id)),
      );
    }
    expect((await verifyChain()).valid).toBe(true);
  });

  it("finds a rewritten hash: broken_link at the next sequence", async () => {
    const row = await rowOf(3);
    await tamper((tx) =>
      tx
        .update(compliance_snapshots)
        .set({ prev_hash: hex("a") })
        .where(eq(compliance_snapshots.id, row.id)),
    );
    try {
      expect(await verifyChain()).toMatchObject({ valid: false, first_bad_sequence: 3, reason: "broken_link" });
    } finally {
      await tamper((tx) =>
        tx.update(compliance_snapshots).set({ prev_hash: row.prev_hash }).where(eq(compliance_snapshots.id, row.id)),
      );
    }
  });

  it("finds a forged signature: bad_signature", async () => {
    const row = await rowOf(4);
    const other = await rowOf(3);
    await tamper((tx) =>
      tx.update(compliance_snapshots).set({ signature: other.signature }).where(eq(compliance_snapshots.id, row.id)),
    );
    try {
      expect(await verifyChain()).toMatchObject({ valid: false, first_bad_sequence: 4, reason: "bad_signature" });
    } finally {
      await tamper((tx) =>
        tx.update(compliance_snapshots).set({ signature: row.signature }).where(eq(compliance_snapshots.id, row.id)),
      );
    }
  });

  it("finds a deleted snapshot: gap at the missing sequence", async () => {
    const row = await rowOf(2);
    await tamper((tx) => tx.delete(compliance_snapshots).where(eq(compliance_snapshots.id, row.id)));
    try {
      expect(await verifyChain()).toEqual({ valid: false, checked: 2, first_bad_sequence: 2, reason: "gap" });
    } finally {
      await db().insert(compliance_snapshots).values(row);
    }
    expect(await verifyChain()).toEqual({ valid: true, checked: 4 });
  });

  it("gives concurrent creates distinct consecutive sequences, each linked to the one before", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => create()));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(results.map((r) => r.body.data.sequence).sort((x, y) => x - y)).toEqual([5, 6, 7, 8, 9]);
    expect(await verifyChain()).toEqual({ valid: true, checked: 9 });
  });
});

describe("append-only", () => {
  const refused = /compliance_snapshots is append-only/;

  it("refuses UPDATE, DELETE and TRUNCATE, and a retention delete of a snapshot inside the retention period", async () => {
    const row = await rowOf(1);
    await expect(
      db().update(compliance_snapshots).set({ generated_by: "forger" }).where(eq(compliance_snapshots.id, row.id)),
    ).rejects.toThrow();
    await expect(
      db().execute(sql`UPDATE compliance_snapshots SET kind = 'daily' WHERE id = ${row.id}::uuid`),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(refused) },
    });
    await expect(db().execute(sql`DELETE FROM compliance_snapshots WHERE id = ${row.id}::uuid`)).rejects.toMatchObject({
      cause: { message: expect.stringMatching(refused) },
    });
    await expect(
      db().transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL nodepilot.compliance_retention = 'on'`);
        await tx.execute(sql`DELETE FROM compliance_snapshots WHERE id = ${row.id}::uuid`);
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(refused) } });
    await expect(db().execute(sql`TRUNCATE compliance_snapshots`)).rejects.toThrow();
    expect((await rowOf(1)).generated_by).toBe(row.generated_by);
  });
});

describe("access", () => {
  it("needs security scopes: read to list, get and verify, write to create", async () => {
    const list = await fleet.api("GET", "/api/v1/compliance/snapshots", { token: fleet.tokens.reader });
    expect(list.status).toBe(403);
    expect(list.body.required_scope).toBe("security:read");
    const post = await fleet.api("POST", "/api/v1/compliance/snapshots", { token: auditor, body: {} });
    expect(post.status).toBe(403);
    expect(post.body.required_scope).toBe("security:write");
  });

  it("refuses a token limited to some environments", async () => {
    const [env] = (await db().execute(sql`SELECT id FROM environments WHERE account_id = ${accountId()}::uuid LIMIT 1`))
      .rows as { id: string }[];
    const limited = await issueToken(db(), {
      accountId: accountId(),
      userId: fleet.runtime.ownerUserId,
      name: `env-limited-${randomUUID()}`,
      scopes: ["security:admin"],
      environmentIds: [env!.id],
      expiresAt: new Date(Date.now() + DAY),
    });
    const res = await fleet.api("POST", "/api/v1/compliance/snapshots", { token: limited.plaintext, body: {} });
    expect(res.status).toBe(403);
    expect(res.body.reason).toBe("environment_restricted");
  });

  it("keeps accounts apart: another account's chain, snapshot ids and documents", async () => {
    const res = await create(other);
    expect(res.status).toBe(201);
    expect(res.body.data.sequence).toBe(1);
    const doc = await getDoc(res.body.data.id, other);
    expect(doc.metadata.account_id).toBe(other.runtime.accountId);
    expect(doc.nodes.map((n) => n.id)).not.toContain(seeded.nodeA);
    const [row] = await other.runtime.database.db
      .select()
      .from(compliance_snapshots)
      .where(eq(compliance_snapshots.id, res.body.data.id));
    expect(row!.signature).toBeNull();
    const foreign = await fleet.api("GET", `/api/v1/compliance/snapshots/${res.body.data.id}`);
    expect(foreign.status).toBe(404);
  });

  it("replays a create with the same Idempotency-Key instead of taking a second snapshot", async () => {
    const key = `k-${randomUUID()}`;
    const a = await fleet.api("POST", "/api/v1/compliance/snapshots", {
      body: {},
      headers: { "idempotency-key": key },
    });
    const b = await fleet.api("POST", "/api/v1/compliance/snapshots", {
      body: {},
      headers: { "idempotency-key": key },
    });
    expect(b.body.data).toEqual(a.body.data);
    const rows = await db().select().from(compliance_snapshots).where(eq(compliance_snapshots.id, a.body.data.id));
    expect(rows).toHaveLength(1);
    expect((await verifyChain()).valid).toBe(true);
  });
});
