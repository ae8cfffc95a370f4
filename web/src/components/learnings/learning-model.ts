// The pure half of the learnings pages (spec/ui.md §10): the list's filters as they live in the
// query string (anything not a known value is set aside and named, never silently applied), the API
// path and page links they make, badge tones, scores as the UI shows them (null "not measured"), and
// what an evidence id can link to.
import type { SearchParams } from "../fleet/search-params";
import { firstParam } from "../fleet/search-params";
import {
  LEARNING_CATEGORIES,
  LEARNING_POLARITIES,
  LEARNING_SOURCES,
  LEARNING_STATUSES,
  type LearningCategory,
  type LearningPolarity,
  type LearningSource,
  type LearningStatus,
} from "./types";

export interface LearningFilters {
  source: LearningSource | null;
  polarity: LearningPolarity | null;
  status: LearningStatus | null;
  category: LearningCategory | null;
  tag: string | null;
  q: string | null;
  limit: number;
  cursor: string | null;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
const TEXT_MAX = 200;

const oneOf = <T extends string>(values: readonly T[], raw: string | undefined): T | null | undefined => {
  if (raw === undefined || raw === "") return null;
  return (values as readonly string[]).includes(raw) ? (raw as T) : undefined;
};

/** The filters a query string asks for, and the parameters that were not valid (shown, then ignored). */
export function parseLearningFilters(params: SearchParams): { filters: LearningFilters; ignored: string[] } {
  const ignored: string[] = [];
  const pick = <T extends string>(key: string, values: readonly T[]): T | null => {
    const raw = firstParam(params[key])?.trim();
    const v = oneOf(values, raw);
    if (v === undefined) {
      ignored.push(`${key}: "${raw}" is not one of ${values.join(", ")}`);
      return null;
    }
    return v;
  };
  const text = (key: string): string | null => {
    const raw = firstParam(params[key])?.trim() ?? "";
    if (raw === "") return null;
    if (raw.length > TEXT_MAX) {
      ignored.push(`${key}: longer than ${TEXT_MAX} characters`);
      return null;
    }
    return raw;
  };
  const source = pick("source", LEARNING_SOURCES);
  const polarity = pick("polarity", LEARNING_POLARITIES);
  const status = pick("status", LEARNING_STATUSES);
  const category = pick("category", LEARNING_CATEGORIES);
  const tag = text("tag");
  const q = text("q");
  const rawLimit = firstParam(params.limit)?.trim() ?? "";
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== "") {
    const n = Number(rawLimit);
    if (/^\d+$/.test(rawLimit) && n >= 1 && n <= MAX_LIMIT) limit = n;
    else ignored.push(`limit: "${rawLimit}" is not a whole number from 1 to ${MAX_LIMIT}`);
  }
  const cursor = firstParam(params.cursor)?.trim() || null;
  return { filters: { source, polarity, status, category, tag, q, limit, cursor }, ignored };
}

function query(filters: LearningFilters, withDefaults: boolean): string {
  const params = new URLSearchParams();
  for (const key of ["source", "polarity", "status", "category", "tag", "q"] as const) {
    const v = filters[key];
    if (v) params.set(key, v);
  }
  if (withDefaults || filters.limit !== DEFAULT_LIMIT) params.set("limit", String(filters.limit));
  if (filters.cursor) params.set("cursor", filters.cursor);
  return params.toString();
}

/** learning.list for these filters. */
export const learningsApiPath = (filters: LearningFilters): string => `/api/v1/learnings?${query(filters, true)}`;

/** This page with some filters changed (a changed filter starts again from the first page). */
export function learningsHref(filters: LearningFilters, changes: Partial<LearningFilters> = {}): string {
  const next = { ...filters, cursor: null, ...changes };
  const qs = query(next, false);
  return qs ? `/learnings?${qs}` : "/learnings";
}

export const hasFilters = (f: LearningFilters): boolean =>
  Boolean(f.source || f.polarity || f.status || f.category || f.tag || f.q);

/** Badge classes from globals.css; the word is always shown with them. */
export const POLARITY_TONE: Record<LearningPolarity, string> = { confirmed: "ok", rejected: "rejected", neutral: "" };
export const STATUS_TONE: Record<LearningStatus, string> = {
  active: "",
  verified: "ok",
  deprecated: "warn",
  superseded: "warn",
  disproven: "failed",
  retired: "warn",
};

export const words = (v: string): string => v.replaceAll("_", " ");

/** A 0..1 score as "0.70"; null (not yet measurable) as "not measured", never 0. */
export function scoreText(score: number | null): string {
  if (score === null || !Number.isFinite(score)) return "not measured";
  return score.toFixed(2);
}

export type EvidenceKind = "instance" | "node" | "approval" | "event" | "learning" | "task";

export type EvidenceRef =
  | { type: "linked"; kind: EvidenceKind; id: string }
  /** A bare id: which kind of object it is can only be found by looking it up. */
  | { type: "id"; id: string }
  | { type: "text"; text: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PREFIX: Record<string, EvidenceKind> = {
  instance: "instance",
  node_instance: "instance",
  node: "node",
  approval: "approval",
  approval_request: "approval",
  req: "approval",
  event: "event",
  learning: "learning",
  task: "task",
};

/** An evidence string as a reference: `<kind>:<uuid>` for a known kind, a bare uuid, or text. */
export function evidenceRef(raw: string): EvidenceRef {
  const colon = raw.indexOf(":");
  if (colon > 0) {
    const kind = PREFIX[raw.slice(0, colon)];
    const id = raw.slice(colon + 1);
    if (kind && UUID.test(id)) return { type: "linked", kind, id };
    return { type: "text", text: raw };
  }
  return UUID.test(raw) ? { type: "id", id: raw } : { type: "text", text: raw };
}

/** The page an object of a kind has; tasks have none of their own. */
export function evidenceHref(kind: EvidenceKind, id: string): string | null {
  const e = encodeURIComponent(id);
  switch (kind) {
    case "instance":
      return `/instances/${e}`;
    case "node":
      return `/nodes/${e}`;
    case "approval":
      return `/approvals/${e}`;
    case "event":
      return `/fleet/events/${e}`;
    case "learning":
      return `/learnings/${e}`;
    case "task":
      return null;
  }
}

/** The REST read that tells whether a bare id is an object of a kind (and gives its label). */
export const EVIDENCE_PROBES: readonly { kind: EvidenceKind; path: (id: string) => string }[] = [
  { kind: "instance", path: (id) => `/api/v1/node_instances/${encodeURIComponent(id)}` },
  { kind: "approval", path: (id) => `/api/v1/autonomy/approval_requests/${encodeURIComponent(id)}` },
  { kind: "event", path: (id) => `/api/v1/events/${encodeURIComponent(id)}` },
  { kind: "node", path: (id) => `/api/v1/nodes/${encodeURIComponent(id)}` },
  { kind: "learning", path: (id) => `/api/v1/learnings/${encodeURIComponent(id)}` },
];

/** A found object's label from its REST body: its name, title or kind. */
export function evidenceLabel(kind: EvidenceKind, body: unknown): string {
  const d = (body as { data?: Record<string, unknown> } | null)?.data ?? {};
  const named = [d.name, d.title, d.kind, d.action_category].find(
    (v): v is string => typeof v === "string" && v !== "",
  );
  return named ? `${kind} ${named}` : kind;
}
