// The drift queue (spec/ui.md §5) derived from the fleet event log, there being no drift API: one
// item per (subject, kind) from the drift sensors' events of the last 7 days. The subject is the
// instance for module, instance-state, storage-assignment and config drift (config drift names the
// node's running instances), the module for package drift, the repository for GitOps drift.
//
// A tick writes a signal event only when it passes dedup (sensors/src/tick/runner.ts), so a
// continuing drift is not re-reported every tick; but when a later tick's sensor finishes ok
// without the condition, the tick writes `autonomy.signal_cleared` with its kind and fingerprint.
// An item is `auto_resolved` when every condition (fingerprint) in it was cleared after its last
// detection, `open` when one was not, and `unknown` when the clearings needed to tell were not read.
// Pure, so the queue recomputes it from its windows on every live arrival.
import type { EventWindow, WindowRead } from "./event-window";
import { maxSeverity, shortId } from "./format";
import type { FleetEvent, Severity } from "./types";

export const DRIFT_KINDS = [
  "fleet.module_drift",
  "fleet.config_drift",
  "fleet.package_drift",
  "fleet.instance_state_drift",
  "fleet.storage_assignment_drift",
  "fleet.gitops_drift",
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export const DRIFT_LABEL: Record<DriftKind, string> = {
  "fleet.module_drift": "module drift",
  "fleet.config_drift": "config drift",
  "fleet.package_drift": "package drift",
  "fleet.instance_state_drift": "instance state drift",
  "fleet.storage_assignment_drift": "storage assignment drift",
  "fleet.gitops_drift": "GitOps drift",
};

export const CLEARED_KIND = "autonomy.signal_cleared";
export const DRIFT_WINDOW_MS = 7 * 24 * 3600_000;
/** Items the dashboard panel shows: the oldest unresolved. */
export const DRIFT_PANEL_ITEMS = 5;
/** Expected-vs-actual pairs shown per item (the rest are on the latest event's page). */
export const DRIFT_PANEL_PAIRS = 2;
export const DRIFT_PAGE_PAIRS = 6;
/** Pages of 200 events read per kind: the dashboard panel reads fewer than /fleet/drift. */
export const DRIFT_PANEL_PAGES = 3;
export const DRIFT_PAGE_PAGES = 10;
/**
 * A continuing condition is re-reported at least once per dedup window (at most 3600 s) unless
 * the throttle defers it: a first detection this close to where the read log starts may be a
 * continuation of an older one, so its age is shown as a lower bound.
 */
export const CONTINUITY_SLACK_MS = 3600_000;

export const isDriftKind = (kind: string): kind is DriftKind => (DRIFT_KINDS as readonly string[]).includes(kind);

export type DriftStatus = "open" | "auto_resolved" | "unknown";

export interface DriftSubject {
  type: "instance" | "module" | "repository";
  id: string;
  name: string | null;
}

/** One expected-vs-actual pair, as the sensor reported it; `moduleId` names the module it is about. */
export interface Comparison {
  label: string;
  moduleId?: string;
  expected: string;
  actual: string;
}

export interface DriftItem {
  key: string;
  kind: DriftKind;
  subject: DriftSubject;
  nodeId: string | null;
  severity: Severity;
  status: DriftStatus;
  /** First detection of the current episode among the events read. */
  firstDetectedAt: string;
  /** The drift may predate `firstDetectedAt`: the log was not read far enough back to tell. */
  ageAtLeast: boolean;
  lastSeenAt: string;
  /** When the last of its conditions was cleared (auto_resolved only). */
  clearedAt: string | null;
  /** The newest detection event, for its full payload. */
  lastEventId: string;
  detections: number;
  summary: string;
  comparisons: Comparison[];
  /** Pairs the sensor counted but did not list (module drift lists 40 per category). */
  unlisted: number;
}

export interface DriftReads {
  /** When the 7-day window starts (ISO). */
  since: string;
  kinds: Record<DriftKind, WindowRead>;
  clearings: WindowRead;
}

// ── payload readers: the sensors' payloads (sensors/src/*-drift.ts) as the API returns them ──

type Payload = Record<string, unknown>;
const str = (p: Payload, k: string): string | null =>
  typeof p[k] === "string" && p[k] !== "" ? (p[k] as string) : null;
const num = (p: Payload, k: string): number => (typeof p[k] === "number" ? (p[k] as number) : 0);
const list = (p: Payload, k: string): Payload[] =>
  Array.isArray(p[k]) ? (p[k] as unknown[]).filter((x): x is Payload => typeof x === "object" && x !== null) : [];
const strings = (p: Payload, k: string): string[] =>
  Array.isArray(p[k]) ? (p[k] as unknown[]).filter((x): x is string => typeof x === "string") : [];

/** "2025-01-02 10:04 UTC" from an ISO instant; the raw text when it is not one. */
export function utcMinute(iso: string | null): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Who a drift event is about; config drift is about every running instance of its node. */
export function driftSubjects(kind: DriftKind, e: FleetEvent): DriftSubject[] {
  const p = e.payload ?? {};
  const instance = (id: string | null): DriftSubject[] => (id ? [{ type: "instance", id, name: null }] : []);
  switch (kind) {
    case "fleet.module_drift":
    case "fleet.instance_state_drift":
      return instance(str(p, "instance_id") ?? e.node_instance_id);
    case "fleet.storage_assignment_drift":
      return instance(str(p, "node_instance_id") ?? e.node_instance_id);
    case "fleet.config_drift":
      return strings(p, "instance_ids").map((id) => ({ type: "instance", id, name: null }));
    case "fleet.package_drift": {
      const id = str(p, "node_module_id") ?? e.node_module_id;
      return id ? [{ type: "module", id, name: null }] : [];
    }
    case "fleet.gitops_drift": {
      const id = str(p, "repository_id");
      return id ? [{ type: "repository", id, name: str(p, "repository_name") }] : [];
    }
  }
}

/** What one detection says was expected and what was found. */
export function driftComparisons(
  kind: DriftKind,
  p: Payload,
): { summary: string; comparisons: Comparison[]; unlisted: number } {
  switch (kind) {
    case "fleet.module_drift": {
      // The label is "module", the module named by moduleId (the page shows its name).
      const mod = (x: Payload) => ({
        label: "module",
        ...(str(x, "module_id") ? { moduleId: str(x, "module_id")! } : {}),
      });
      const comparisons: Comparison[] = [
        ...list(p, "mismatched").map((x) => ({
          ...mod(x),
          expected: str(x, "expected_digest") ?? "?",
          actual: str(x, "running_digest") ?? "?",
        })),
        ...list(p, "missing").map((x) => ({
          ...mod(x),
          expected: str(x, "expected_digest") ?? "?",
          actual: "not running",
        })),
        ...list(p, "extra").map((x) => ({
          ...mod(x),
          expected: "not assigned",
          actual: str(x, "running_digest") ?? "?",
        })),
      ];
      const counts = [num(p, "missing_count"), num(p, "extra_count"), num(p, "mismatched_count")];
      const total = counts.reduce((a, b) => a + b, 0);
      return {
        summary: `${counts[0]} missing · ${counts[1]} extra · ${counts[2]} mismatched`,
        comparisons,
        unlisted: Math.max(0, total - comparisons.length),
      };
    }
    case "fleet.config_drift":
      return {
        summary: `assignment changed ${utcMinute(str(p, "changed_at"))}`,
        comparisons: [
          {
            label: "config of module",
            ...(str(p, "module_id") ? { moduleId: str(p, "module_id")! } : {}),
            expected: `applied since ${utcMinute(str(p, "changed_at"))}`,
            actual: str(p, "last_apply_at") ? `last applied ${utcMinute(str(p, "last_apply_at"))}` : "never applied",
          },
        ],
        unlisted: 0,
      };
    case "fleet.package_drift":
      return {
        summary: p.cve_flagged === true ? "an open CVE exposure names this package" : "",
        comparisons: [
          {
            label: `${str(p, "package_name") ?? "package"} (${str(p, "architecture") ?? "?"})`,
            expected: `${str(p, "upstream_version") ?? "?"} (newest upstream)`,
            actual: str(p, "current_version") ?? "?",
          },
        ],
        unlisted: 0,
      };
    case "fleet.instance_state_drift":
      return {
        summary: str(p, "provider_type") ? `at provider ${str(p, "provider_type")}` : "",
        comparisons: [
          { label: "status", expected: str(p, "expected_status") ?? "?", actual: str(p, "actual_status") ?? "?" },
        ],
        unlisted: 0,
      };
    case "fleet.storage_assignment_drift":
      return {
        summary: `reconciler last reported ${utcMinute(str(p, "last_status_at"))}`,
        comparisons: [
          {
            label: `storage assignment ${shortId(str(p, "storage_assignment_id") ?? "?")}`,
            expected: "ready",
            actual: str(p, "status") ?? "?",
          },
        ],
        unlisted: 0,
      };
    case "fleet.gitops_drift": {
      const d = typeof p.diff_summary === "object" && p.diff_summary !== null ? (p.diff_summary as Payload) : null;
      const pending = num(p, "pending_proposal_count");
      return {
        summary: pending > 0 ? `${pending} pending proposal${pending === 1 ? "" : "s"}` : "",
        comparisons: [
          {
            label: `${str(p, "repository_name") ?? "repository"} @ ${str(p, "branch") ?? "?"}`,
            expected: `fleet.yaml at ${(str(p, "synced_revision") ?? "?").slice(0, 12)}`,
            actual: `${num(p, "diff_count")} changes${d ? ` (${num(d, "create")} create, ${num(d, "update")} update, ${num(d, "destroy")} destroy)` : ""}`,
          },
        ],
        unlisted: 0,
      };
    }
  }
}

// ── derivation ──

interface Condition {
  fingerprint: string;
  /** Ascending by seq. */
  detections: FleetEvent[];
}

type ConditionFate =
  | { state: "open" | "unknown"; episodeStart: FleetEvent; afterClearing: boolean }
  | { state: "cleared"; episodeStart: FleetEvent; afterClearing: boolean; clearedAt: string };

const clearingKey = (kind: string, fingerprint: string) => `${kind}\u0000${fingerprint}`;

/** Clearings of drift conditions, by kind and fingerprint, ascending by seq. */
function clearingsByCondition(events: readonly FleetEvent[]): Map<string, FleetEvent[]> {
  const out = new Map<string, FleetEvent[]>();
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const kind = str(e.payload ?? {}, "kind");
    const fingerprint = str(e.payload ?? {}, "fingerprint") ?? e.fingerprint;
    if (!kind || !fingerprint || !isDriftKind(kind)) continue;
    const key = clearingKey(kind, fingerprint);
    out.set(key, [...(out.get(key) ?? []), e]);
  }
  return out;
}

function fateOf(c: Condition, clearings: readonly FleetEvent[] | null, clearingsFrom: number): ConditionFate {
  const last = c.detections[c.detections.length - 1]!;
  const before = (clearings ?? []).filter((x) => x.seq < last.seq);
  const lastClear = before[before.length - 1];
  // The episode starts at the first detection after the last clearing before the newest detection.
  const episodeStart = c.detections.find((d) => !lastClear || d.seq > lastClear.seq)!;
  const afterClearing = lastClear !== undefined;
  const clearedBy = (clearings ?? []).find((x) => x.seq > last.seq);
  if (clearedBy) return { state: "cleared", episodeStart, afterClearing, clearedAt: clearedBy.created_at };
  // No clearing read after it: open, if the clearings read reach back to its last detection.
  const known = clearings !== null && Date.parse(last.created_at) >= clearingsFrom;
  return { state: known ? "open" : "unknown", episodeStart, afterClearing };
}

export interface DriftInput {
  kinds: Partial<Record<DriftKind, EventWindow>>;
  /** Null when the clearings could not be read: no item can then be called open or resolved. */
  clearings: EventWindow | null;
  now: number;
}

export function deriveDriftItems(input: DriftInput): DriftItem[] {
  const windowStart = input.now - DRIFT_WINDOW_MS;
  const clearings = input.clearings ? clearingsByCondition(input.clearings.events) : null;
  const clearingsFrom = input.clearings ? Date.parse(input.clearings.from) : Number.POSITIVE_INFINITY;
  const items: DriftItem[] = [];
  for (const kind of DRIFT_KINDS) {
    const window = input.kinds[kind];
    if (!window) continue;
    const readFrom = Math.max(windowStart, Date.parse(window.from));
    // subject key → fingerprint → condition
    const bySubject = new Map<string, { subject: DriftSubject; conditions: Map<string, Condition> }>();
    for (const e of [...window.events].sort((a, b) => a.seq - b.seq)) {
      if (e.kind !== kind || Date.parse(e.created_at) < windowStart) continue;
      for (const subject of driftSubjects(kind, e)) {
        const key = `${kind}|${subject.type}:${subject.id}`;
        const entry = bySubject.get(key) ?? { subject, conditions: new Map<string, Condition>() };
        bySubject.set(key, entry);
        if (subject.name) entry.subject = subject;
        const fp = e.fingerprint ?? e.id;
        const c = entry.conditions.get(fp) ?? { fingerprint: fp, detections: [] };
        entry.conditions.set(fp, c);
        c.detections.push(e);
      }
    }
    for (const [key, { subject, conditions }] of bySubject) {
      const fates = [...conditions.values()].map((c) => ({
        c,
        fate: fateOf(c, clearings ? (clearings.get(clearingKey(kind, c.fingerprint)) ?? []) : null, clearingsFrom),
      }));
      const status: DriftStatus = fates.some((f) => f.fate.state === "open")
        ? "open"
        : fates.some((f) => f.fate.state === "unknown")
          ? "unknown"
          : "auto_resolved";
      // What is still drifting describes the item; a resolved item is described by what it was.
      const current = status === "auto_resolved" ? fates : fates.filter((f) => f.fate.state !== "cleared");
      const latestOf = (c: Condition) => c.detections[c.detections.length - 1]!;
      current.sort((a, b) => latestOf(b.c).seq - latestOf(a.c).seq);
      const first = current.reduce((a, b) => (b.fate.episodeStart.seq < a.fate.episodeStart.seq ? b : a));
      const newest = [...conditions.values()].map(latestOf).reduce((a, b) => (b.seq > a.seq ? b : a));
      const described = current.map((f) => driftComparisons(kind, latestOf(f.c).payload ?? {}));
      items.push({
        key,
        kind,
        subject,
        nodeId: newest.node_id,
        severity: maxSeverity(current.map((f) => latestOf(f.c).severity)),
        status,
        firstDetectedAt: first.fate.episodeStart.created_at,
        ageAtLeast:
          !first.fate.afterClearing && Date.parse(first.fate.episodeStart.created_at) - readFrom < CONTINUITY_SLACK_MS,
        lastSeenAt: newest.created_at,
        clearedAt:
          status === "auto_resolved"
            ? fates.reduce<string>(
                (max, f) => (f.fate.state === "cleared" && f.fate.clearedAt > max ? f.fate.clearedAt : max),
                "",
              )
            : null,
        lastEventId: newest.id,
        detections: [...conditions.values()].reduce((n, c) => n + c.detections.length, 0),
        summary: described
          .map((d) => d.summary)
          .filter(Boolean)
          .join("; "),
        comparisons: described.flatMap((d) => d.comparisons),
        unlisted: described.reduce((n, d) => n + d.unlisted, 0),
      });
    }
  }
  return items.sort((a, b) => a.firstDetectedAt.localeCompare(b.firstDetectedAt) || a.key.localeCompare(b.key));
}

/** The reads as derivation input: failed kinds are left out (the queue names them as unknown). */
export function driftInput(reads: DriftReads, now: number): DriftInput {
  const kinds: Partial<Record<DriftKind, EventWindow>> = {};
  for (const k of DRIFT_KINDS) {
    const r = reads.kinds[k];
    if (r.ok) kinds[k] = r.window;
  }
  return { kinds, clearings: reads.clearings.ok ? reads.clearings.window : null, now };
}

export const isUnresolved = (item: DriftItem): boolean => item.status !== "auto_resolved";

/** The question "Ask the concierge" starts a conversation with; `name` is the subject's, when known. */
export function askPrompt(item: DriftItem, name: string | null = item.subject.name): string {
  const what = DRIFT_LABEL[item.kind];
  const { type, id } = item.subject;
  const who = type === "repository" ? "GitOps repository" : type;
  if (type === "repository") return `why does ${who} ${name ?? id} have ${what}?`;
  return `why does ${who} ${name ? `${name} (${id})` : id} have ${what}?`;
}

export const askHref = (item: DriftItem, name?: string | null): string =>
  `/?q=${encodeURIComponent(askPrompt(item, name))}`;
