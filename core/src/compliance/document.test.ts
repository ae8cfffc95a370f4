// The pure document builder and its hash (spec/autonomy.md §7.1–7.2), without a database: derived
// fields, determinism, what the hash covers, and the schema refusing what is not plain JSON.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../lib/canonical-json.ts";
import { composeDocument, daysRemaining, documentHashOf, sealDocument, ZERO_HASH } from "./document.ts";
import type { ComplianceState, ModuleState } from "./state.ts";

const NOW = new Date("2026-03-01T04:45:00.000Z");
const id = (n: number) => `0190a000-0000-7000-8000-${String(n).padStart(12, "0")}`;

const moduleState = (trust_policy: unknown): ModuleState => ({
  id: id(10),
  name: "nginx",
  variety: "config",
  trust_policy,
  current_version: null,
  consent_budget_per_day: 3,
  consent_budget_used_count: 3,
  // Started 25 h ago: the window is over, so the budget reads as unused.
  consent_budget_window_start_at: "2026-02-28T03:45:00.000Z",
});

function state(over: Partial<ComplianceState> = {}): ComplianceState {
  return {
    account: { id: id(1), name: "acme" },
    nodes: [],
    instances: [
      {
        id: id(2),
        node_id: id(3),
        status: "running",
        architecture: "amd64",
        agent_version: "1.0.0",
        mtls_subject: "CN=a",
        last_heartbeat_at: "2026-03-01T04:44:00.000Z",
        running_module_digests: {},
      },
    ],
    modules: [],
    module_versions: { live: 0, retired: 0 },
    certificates: [],
    cve_exposures: [],
    drift: { running_instances: 3, drifted_instance_ids: [id(2)], open_config_drift_count: 0, gitops: [] },
    decision_counts: [],
    proceeds: [],
    blocked: [],
    policies: [],
    approvals: [],
    approval_decisions: [],
    learning_counts: [],
    top_learnings: [],
    open_proposals: [],
    ...over,
  };
}

const meta = { kind: "daily" as const, generatedAt: NOW, generatorVersion: "unknown" };
const link = { sequence: 1, prev_hash: ZERO_HASH };

describe("composeDocument", () => {
  it("derives drift ratio (1 dp), reconciled count and the period ending at generated_at", () => {
    const body = composeDocument(state(), meta);
    expect(body.drift).toMatchObject({ drifted_count: 1, reconciled_count: 2, drift_ratio_pct: 33.3 });
    expect(body.metadata.period_start).toBe("2026-02-28T04:45:00.000Z");
    expect(body.metadata.period_end).toBe("2026-03-01T04:45:00.000Z");
    expect(
      composeDocument(state({ drift: { ...state().drift, running_instances: 0, drifted_instance_ids: [] } }), meta)
        .drift.drift_ratio_pct,
    ).toBe(0);
  });

  it("takes the cosign pair from a single keyless identity only, and reads an expired budget window as empty", () => {
    const one = { authorities: [{ keyless: { identities: [{ issuer_regexp: "^i$", subject_regexp: "^s$" }] } }] };
    const two = {
      authorities: [
        { keyless: { identities: [{ issuer_regexp: "^i$", subject_regexp: "^s$" }] } },
        { keyless: { identities: [{ issuer_regexp: "^j$", subject_regexp: "^t$" }] } },
      ],
    };
    const [m1] = composeDocument(state({ modules: [moduleState(one)] }), meta).modules;
    expect(m1).toMatchObject({ cosign_identity_regexp: "^s$", cosign_issuer_regexp: "^i$" });
    expect(m1?.consent_budget).toEqual({ limit: 3, used: 0 });
    const [m2] = composeDocument(state({ modules: [moduleState(two)] }), meta).modules;
    expect(m2).toMatchObject({ cosign_identity_regexp: null, cosign_issuer_regexp: null, trust_policy: two });
    const [m3] = composeDocument(state({ modules: [moduleState(null)] }), meta).modules;
    expect(m3).toMatchObject({ cosign_identity_regexp: null, trust_policy: null });
  });

  it("counts whole days remaining, 0 once expired", () => {
    expect(daysRemaining("2026-03-03T04:44:59.999Z", NOW)).toBe(1);
    expect(daysRemaining("2026-03-03T04:45:00.000Z", NOW)).toBe(2);
    expect(daysRemaining("2026-03-01T04:45:00.000Z", NOW)).toBe(0);
    expect(daysRemaining("2025-01-01T00:00:00.000Z", NOW)).toBe(0);
  });

  it("cuts approval descriptions to 200 characters without splitting a character", () => {
    const approvals = [
      {
        id: id(20),
        action_category: "instance.recover",
        status: "pending",
        description: "é".repeat(150) + "😀".repeat(100),
        payload_hash: "a".repeat(64),
        created_at: "2026-03-01T00:00:00.000Z",
        decided_at: null,
        execution_status: null,
      },
    ];
    const [a] = composeDocument(state({ approvals }), meta).approvals;
    expect([...a!.description]).toHaveLength(200);
    expect(a!.description.endsWith("😀")).toBe(true);
    expect(a!.decisions).toEqual([]);
  });
});

describe("sealDocument and documentHashOf", () => {
  it("hashes the canonical document without integrity.document_hash", () => {
    const doc = sealDocument(composeDocument(state(), meta), link);
    const { document_hash, ...integrity } = doc.integrity;
    const expected = createHash("sha256")
      .update(canonicalJson({ ...doc, integrity }))
      .digest("hex");
    expect(document_hash).toBe(expected);
    expect(documentHashOf(doc)).toBe(expected);
    expect(integrity).toEqual(link);
  });

  it("is deterministic and does not depend on key order, but any change or another link changes it", () => {
    const a = sealDocument(composeDocument(state(), meta), link);
    const reordered = Object.fromEntries(Object.entries(composeDocument(state(), meta)).reverse());
    const b = sealDocument(reordered as ReturnType<typeof composeDocument>, link);
    expect(b.integrity.document_hash).toBe(a.integrity.document_hash);
    const c = sealDocument(composeDocument(state({ account: { id: id(1), name: "acme2" } }), meta), link);
    expect(c.integrity.document_hash).not.toBe(a.integrity.document_hash);
    const d = sealDocument(composeDocument(state(), meta), { sequence: 2, prev_hash: a.integrity.document_hash });
    expect(d.integrity.document_hash).not.toBe(a.integrity.document_hash);
  });

  it("refuses a document that is not plain JSON (a non-finite number)", () => {
    const top = [
      {
        id: id(30),
        title: "t",
        category: "pattern",
        status: "active",
        polarity: "confirmed",
        action_category: "module.sync",
        effective_importance: Number.NaN,
        confidence_score: 0.5,
      },
    ];
    expect(() => sealDocument(composeDocument(state({ top_learnings: top }), meta), link)).toThrow();
  });
});
