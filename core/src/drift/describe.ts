// What one drift condition is about and what it found, read from its newest detection's payload
// (the sensors' payloads, sensors/src/*-drift.ts): the subject (the instance for module,
// instance-state, storage-assignment and config drift — config drift names every running instance
// of its node, the first is the subject —, the module for package drift, the repository for GitOps
// drift), the instances it touches, and expected-vs-actual pairs. Pure. A condition whose detection
// event has aged out of the log is described by its fingerprint alone, where the fingerprint names
// its subject, else as the condition itself.
import type { DriftKind } from "./kinds.ts";

export interface DriftSubject {
  type: "instance" | "module" | "repository" | "condition";
  id: string;
  name: string | null;
}

export interface Comparison {
  label: string;
  expected: string;
  actual: string;
  module_id?: string;
}

export interface DriftDescription {
  subject: DriftSubject;
  instance_id: string | null;
  /** Every instance the condition is about (config drift: the node's running instances). */
  instance_ids: string[];
  node_id: string | null;
  summary: string;
  comparisons: Comparison[];
  /** Pairs the sensor counted but did not list (module drift lists 40 per category). */
  unlisted: number;
}

type Payload = Record<string, unknown>;

const str = (p: Payload, k: string): string | null =>
  typeof p[k] === "string" && p[k] !== "" ? (p[k] as string) : null;
const num = (p: Payload, k: string): number => (typeof p[k] === "number" ? (p[k] as number) : 0);
const list = (p: Payload, k: string): Payload[] =>
  Array.isArray(p[k]) ? (p[k] as unknown[]).filter((x): x is Payload => typeof x === "object" && x !== null) : [];
const strings = (p: Payload, k: string): string[] =>
  Array.isArray(p[k]) ? (p[k] as unknown[]).filter((x): x is string => typeof x === "string") : [];
const withModule = (id: string | null): { module_id?: string } => (id ? { module_id: id } : {});

/** `<prefix>:<id>[:…]` → id; fingerprints of the kinds that name their subject. */
const fingerprintId = (fingerprint: string): string | null => fingerprint.split(":")[1] || null;

function moduleDrift(p: Payload): Pick<DriftDescription, "summary" | "comparisons" | "unlisted"> {
  const comparisons: Comparison[] = [
    ...list(p, "mismatched").map((x) => ({
      label: "module",
      expected: str(x, "expected_digest") ?? "?",
      actual: str(x, "running_digest") ?? "?",
      ...withModule(str(x, "module_id")),
    })),
    ...list(p, "missing").map((x) => ({
      label: "module",
      expected: str(x, "expected_digest") ?? "?",
      actual: "not running",
      ...withModule(str(x, "module_id")),
    })),
    ...list(p, "extra").map((x) => ({
      label: "module",
      expected: "not assigned",
      actual: str(x, "running_digest") ?? "?",
      ...withModule(str(x, "module_id")),
    })),
  ];
  const [missing, extra, mismatched] = [num(p, "missing_count"), num(p, "extra_count"), num(p, "mismatched_count")];
  return {
    summary: `${missing} missing · ${extra} extra · ${mismatched} mismatched`,
    comparisons,
    unlisted: Math.max(0, missing + extra + mismatched - comparisons.length),
  };
}

function comparisonsOf(kind: DriftKind, p: Payload): Pick<DriftDescription, "summary" | "comparisons" | "unlisted"> {
  const one = (summary: string, c: Comparison) => ({ summary, comparisons: [c], unlisted: 0 });
  switch (kind) {
    case "fleet.module_drift":
      return moduleDrift(p);
    case "fleet.config_drift":
      return one(`assignment changed ${str(p, "changed_at") ?? "?"}`, {
        label: "config of module",
        expected: `applied since ${str(p, "changed_at") ?? "?"}`,
        actual: str(p, "last_apply_at") ? `last applied ${str(p, "last_apply_at")}` : "never applied",
        ...withModule(str(p, "module_id")),
      });
    case "fleet.package_drift":
      return one(p.cve_flagged === true ? "an open CVE exposure names this package" : "", {
        label: `${str(p, "package_name") ?? "package"} (${str(p, "architecture") ?? "?"})`,
        expected: `${str(p, "upstream_version") ?? "?"} (newest upstream)`,
        actual: str(p, "current_version") ?? "?",
        ...withModule(str(p, "node_module_id")),
      });
    case "fleet.instance_state_drift":
      return one(str(p, "provider_type") ? `at provider ${str(p, "provider_type")}` : "", {
        label: "status",
        expected: str(p, "expected_status") ?? "?",
        actual: str(p, "actual_status") ?? "?",
      });
    case "fleet.storage_assignment_drift":
      return one(`reconciler last reported ${str(p, "last_status_at") ?? "never"}`, {
        label: `storage assignment ${str(p, "storage_assignment_id") ?? "?"}`,
        expected: "ready",
        actual: str(p, "status") ?? "?",
      });
    case "fleet.gitops_drift": {
      const d = typeof p.diff_summary === "object" && p.diff_summary !== null ? (p.diff_summary as Payload) : null;
      const pending = num(p, "pending_proposal_count");
      return one(pending > 0 ? `${pending} pending proposal${pending === 1 ? "" : "s"}` : "", {
        label: `${str(p, "repository_name") ?? "repository"} @ ${str(p, "branch") ?? "?"}`,
        expected: `fleet.yaml at ${str(p, "synced_revision") ?? "?"}`,
        actual: `${num(p, "diff_count")} changes${d ? ` (${num(d, "create")} create, ${num(d, "update")} update, ${num(d, "destroy")} destroy)` : ""}`,
      });
    }
  }
}

/** The instances a detection is about, by kind. */
function instancesOf(kind: DriftKind, p: Payload): string[] {
  switch (kind) {
    case "fleet.module_drift":
    case "fleet.instance_state_drift":
      return str(p, "instance_id") ? [str(p, "instance_id")!] : [];
    case "fleet.storage_assignment_drift":
      return str(p, "node_instance_id") ? [str(p, "node_instance_id")!] : [];
    case "fleet.config_drift":
      return [...new Set(strings(p, "instance_ids"))].sort();
    case "fleet.package_drift":
    case "fleet.gitops_drift":
      return [];
  }
}

function subjectOf(kind: DriftKind, p: Payload, instances: string[]): DriftSubject | null {
  if (kind === "fleet.package_drift") {
    const id = str(p, "node_module_id");
    return id ? { type: "module", id, name: null } : null;
  }
  if (kind === "fleet.gitops_drift") {
    const id = str(p, "repository_id");
    return id ? { type: "repository", id, name: str(p, "repository_name") } : null;
  }
  return instances[0] ? { type: "instance", id: instances[0], name: null } : null;
}

/** The subject when there is no payload to read it from. */
function subjectFromFingerprint(kind: DriftKind, fingerprint: string): DriftSubject {
  const id = fingerprintId(fingerprint);
  if (id && (kind === "fleet.module_drift" || kind === "fleet.instance_state_drift")) {
    return { type: "instance", id, name: null };
  }
  if (id && kind === "fleet.gitops_drift") return { type: "repository", id, name: null };
  return { type: "condition", id: fingerprint, name: null };
}

export function describeDrift(kind: DriftKind, fingerprint: string, payload: Payload | null): DriftDescription {
  if (!payload) {
    const subject = subjectFromFingerprint(kind, fingerprint);
    const instanceId = subject.type === "instance" ? subject.id : null;
    return {
      subject,
      instance_id: instanceId,
      instance_ids: instanceId ? [instanceId] : [],
      node_id: null,
      summary: "the detection event is no longer in the event log",
      comparisons: [],
      unlisted: 0,
    };
  }
  const instances = instancesOf(kind, payload);
  return {
    subject: subjectOf(kind, payload, instances) ?? subjectFromFingerprint(kind, fingerprint),
    instance_id: instances[0] ?? null,
    instance_ids: instances,
    node_id: str(payload, "node_id"),
    ...comparisonsOf(kind, payload),
  };
}
