// The drift queue's data as the drift API serves it (spec/ui.md §5 "Drift queue"; docs/api.md
// "Drift queue", core/src/drift/items.ts): the item drift.list returns, the kinds and statuses with
// their labels, the filters the page keeps in its query string and the request they make, what the
// status cell says under its badge, how expected/actual values are shortened, which live events can
// change the queue, and the concierge question about an item. The server computes every status on
// every read (a snooze ends by the clock, a clearing auto-resolves); the UI only shows it. Pure.
import type { Severity } from "./types";
import type { NameRef } from "./watch-reads";

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

export const isDriftKind = (kind: string): kind is DriftKind => (DRIFT_KINDS as readonly string[]).includes(kind);

export const DRIFT_STATUSES = ["open", "remediating", "snoozed", "resolved", "auto_resolved"] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];

export const STATUS_LABEL: Record<DriftStatus, string> = {
  open: "open",
  remediating: "remediating",
  snoozed: "snoozed",
  resolved: "resolved",
  auto_resolved: "auto-resolved",
};

/** The badge's colour class (globals.css `.badge.<tone>`); the label is always the text. */
export const STATUS_TONE: Record<DriftStatus, string> = {
  open: "warn",
  remediating: "pending",
  snoozed: "neutral",
  resolved: "ok",
  auto_resolved: "ok",
};

/** What drift.list filters by: one status, or `active` (open, remediating and snoozed; its default). */
export const STATUS_FILTERS = ["active", ...DRIFT_STATUSES] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const STATUS_FILTER_LABEL: Record<StatusFilter, string> = {
  active: "Active",
  open: "Open",
  remediating: "Remediating",
  snoozed: "Snoozed",
  resolved: "Resolved",
  auto_resolved: "Auto-resolved",
};

export type RemediationState = "awaiting_approval" | "running" | "completed" | "failed" | "ineffective";

export interface Comparison {
  label: string;
  expected: string;
  actual: string;
  /** The module the pair is about (module, config and package drift). */
  module_id?: string;
}

/** One item of drift.list (core/src/drift/items.ts DriftItemSchema). */
export interface DriftItem {
  id: string;
  kind: DriftKind;
  fingerprint: string;
  episode: number;
  subject: { type: "instance" | "module" | "repository" | "condition"; id: string; name: string | null };
  instance_id: string | null;
  instance_ids: string[];
  node_id: string | null;
  severity: Severity;
  summary: string;
  comparisons: Comparison[];
  /** Pairs the sensor counted but did not list. */
  unlisted_comparisons: number;
  first_detected_at: string;
  last_seen_at: string;
  cleared_at: string | null;
  status: DriftStatus;
  snoozed_until: string | null;
  reason: string | null;
  decided_by: string | null;
  assignee: { user_id: string; email: string | null; name: string | null } | null;
  suggested_remediation: {
    operation: "drift.remediate";
    input: { ids: string[] };
    label: string;
    action_category: string;
  } | null;
  remediation: {
    approval_request_id: string | null;
    task_ids: string[];
    state: RemediationState;
    started_at: string | null;
  } | null;
}

export interface DriftFilters {
  status: StatusFilter;
  kind: DriftKind | null;
}

export const DEFAULT_FILTERS: DriftFilters = { status: "active", kind: null };

/** The filters a URL asks for; anything unknown falls back to the default. */
export function parseFilters(query: { status?: string | undefined; kind?: string | undefined }): DriftFilters {
  const status = (STATUS_FILTERS as readonly string[]).includes(query.status ?? "")
    ? (query.status as StatusFilter)
    : DEFAULT_FILTERS.status;
  const kind = query.kind && isDriftKind(query.kind) ? query.kind : null;
  return { status, kind };
}

/** The query string the filters are kept in (defaults are left out). */
export const filtersToQuery = (f: DriftFilters): { status: string | null; kind: string | null } => ({
  status: f.status === DEFAULT_FILTERS.status ? null : f.status,
  kind: f.kind,
});

/** drift.list for the filters: oldest first detection first, at most `limit` (1–500). */
export function driftListPath(f: DriftFilters, limit: number): string {
  const q = new URLSearchParams({ status: f.status, limit: String(limit) });
  if (f.kind) q.set("kind", f.kind);
  return `/api/v1/fleet/drift?${q.toString()}`;
}

/** What an empty read says: nothing matches these filters (never shown when the read failed). */
export function emptyText(f: DriftFilters): string {
  const status = f.status === "active" ? "active" : STATUS_LABEL[f.status];
  return `No ${status} drift items${f.kind ? ` of kind ${DRIFT_LABEL[f.kind]}` : ""}.`;
}

/** The subject as words: "instance web-1-a", "GitOps repository fleet-config", "condition <fingerprint>". */
export function subjectText(item: Pick<DriftItem, "subject">): string {
  const { type, id, name } = item.subject;
  return `${type === "repository" ? "GitOps repository" : type} ${name ?? id}`;
}

/** "module drift of instance web-1-a": how messages and hidden labels name an item. */
export const itemText = (item: Pick<DriftItem, "kind" | "subject">): string =>
  `${DRIFT_LABEL[item.kind]} of ${subjectText(item)}`;

export function assigneeText(a: NonNullable<DriftItem["assignee"]>): string {
  return a.name ?? a.email ?? `user ${a.user_id}`;
}

/** How the item's remediation stands, in words; null when none was started. */
export function remediationText(item: Pick<DriftItem, "remediation">): string | null {
  const r = item.remediation;
  if (!r) return null;
  const n = r.task_ids.length;
  switch (r.state) {
    case "awaiting_approval":
      return "remediation awaits approval";
    case "running":
      return n > 0 ? `remediation running (${n} task${n === 1 ? "" : "s"})` : "remediation under way";
    case "completed":
      return "remediation completed; the next detection pass confirms it";
    case "failed":
      return "the last remediation failed; open again";
    case "ineffective":
      return "the last remediation did not clear it; open again";
  }
}

/** Kinds this build has no executor for: the server suggests nothing for them. */
const NO_EXECUTOR: readonly DriftKind[] = [
  "fleet.storage_assignment_drift",
  "fleet.gitops_drift",
  "fleet.package_drift",
];

/** Why an item suggests no remediation (the suggested-remediation cell and the disabled Remediate say it). */
export function noRemediationText(item: Pick<DriftItem, "kind" | "status">): string {
  if (item.status === "resolved" || item.status === "auto_resolved")
    return `nothing to remediate: ${STATUS_LABEL[item.status]}`;
  return NO_EXECUTOR.includes(item.kind)
    ? `no automatic remediation: this build has none for ${DRIFT_LABEL[item.kind]}`
    : "no automatic remediation: the detection does not name what to fix";
}

const DIGEST = /^(sha256:[0-9a-f]{12})[0-9a-f]{4,}$/;
const ISO_INSTANT = /\b(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:00)\b/g;
const REVISION = /\b([0-9a-f]{12})[0-9a-f]{28}\b/g;

/**
 * An expected or actual value as a cell shows it: digests and git revisions cut to 12 hex digits,
 * UTC instants to the minute; `full` is the value as the server sent it (for the title).
 */
export function displayValue(text: string): { short: string; full: string } {
  const digest = DIGEST.exec(text);
  if (digest) return { short: `${digest[1]}…`, full: text };
  const short = text.replace(ISO_INSTANT, "$1 $2 UTC").replace(REVISION, "$1…");
  return { short, full: text };
}

/** The modules the first `perItem` pairs of each item name, for their names (subjects come named). */
export const driftNameRefs = (items: readonly DriftItem[], perItem: number): NameRef[] =>
  items.flatMap((i) =>
    i.comparisons.slice(0, perItem).flatMap((c) => (c.module_id ? [{ type: "module" as const, id: c.module_id }] : [])),
  );

/** Task ids of the shown items' remediations: their transitions can change a status. */
export const remediationTasks = (items: readonly DriftItem[]): Set<string> =>
  new Set(items.flatMap((i) => i.remediation?.task_ids ?? []));

interface LiveEvent {
  kind: string;
  payload?: Record<string, unknown> | null;
  task_id?: unknown;
}

/**
 * Can this live event change what the queue shows? A detection (fleet.*_drift), an operator's
 * decision (fleet.drift_*), a clearing of a drift condition, any approval event (a gated remediation
 * waits, is approved, rejected or expires), or a transition of a task a shown remediation runs.
 */
export function changesDrift(e: LiveEvent, tasks: ReadonlySet<string>): boolean {
  if (isDriftKind(e.kind) || e.kind.startsWith("fleet.drift_")) return true;
  if (e.kind === "autonomy.signal_cleared") {
    const kind = e.payload?.kind;
    return typeof kind !== "string" || isDriftKind(kind);
  }
  if (e.kind.startsWith("autonomy.approval_")) return true;
  return e.kind === "task.transitioned" && typeof e.task_id === "string" && tasks.has(e.task_id);
}

/** The earliest snooze end still ahead (ms): the statuses change then with no event to say so. */
export function nextSnoozeEnd(items: readonly DriftItem[], now: number): number | null {
  let next: number | null = null;
  for (const i of items) {
    const t = i.status === "snoozed" && i.snoozed_until ? Date.parse(i.snoozed_until) : Number.NaN;
    if (t > now && (next === null || t < next)) next = t;
  }
  return next;
}

/** The question "Ask the concierge" starts a conversation with. */
export function askPrompt(item: Pick<DriftItem, "kind" | "subject">): string {
  const { type, id, name } = item.subject;
  const what = DRIFT_LABEL[item.kind];
  if (type === "repository") return `why does GitOps repository ${name ?? id} have ${what}?`;
  if (type === "condition") return `what is the ${what} condition ${id}?`;
  return `why does ${type} ${name ? `${name} (${id})` : id} have ${what}?`;
}

export const askHref = (item: Pick<DriftItem, "kind" | "subject">): string =>
  `/?q=${encodeURIComponent(askPrompt(item))}`;
