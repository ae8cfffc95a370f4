// The queue's filters (spec/ui.md §4), read from and written to the query string so they survive
// reload: status (server-side; default pending), category, "expires within", text, and the sort.
import { APPROVAL_STATUSES, type ApprovalListItem, type ApprovalStatus, approvalsPath } from "./types";

export type ExpiryWindow = "1h" | "4h";
export type SortOrder = "expiry" | "newest";

export interface QueueFilters {
  status: ApprovalStatus | "all";
  category: string;
  expires: ExpiryWindow | null;
  q: string;
  sort: SortOrder;
}

const EXPIRY_MS: Record<ExpiryWindow, number> = { "1h": 3_600_000, "4h": 4 * 3_600_000 };

type Raw = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);

export function parseFilters(raw: Raw): QueueFilters {
  const status = one(raw.status);
  const expires = one(raw.expires);
  return {
    status:
      status === "all" || (APPROVAL_STATUSES as readonly string[]).includes(status ?? "")
        ? (status as ApprovalStatus | "all")
        : "pending",
    category: one(raw.category)?.trim() ?? "",
    expires: expires === "1h" || expires === "4h" ? expires : null,
    q: one(raw.q)?.trim() ?? "",
    sort: one(raw.sort) === "newest" ? "newest" : "expiry",
  };
}

/** The query-string form, leaving defaults out. */
export function filtersToQuery(f: QueueFilters): Record<string, string | null> {
  return {
    status: f.status === "pending" ? null : f.status,
    category: f.category || null,
    expires: f.expires,
    q: f.q || null,
    sort: f.sort === "expiry" ? null : f.sort,
  };
}

/** The server read for the filters: status is filtered by the API, the rest here. */
export function listPath(f: QueueFilters, cursor?: string | null): string {
  const params = new URLSearchParams({ limit: "100" });
  if (f.status !== "all") params.set("status", f.status);
  if (cursor) params.set("cursor", cursor);
  return `${approvalsPath}?${params}`;
}

export function matchesFilters(r: ApprovalListItem, f: QueueFilters, now: number): boolean {
  if (f.category && r.action_category !== f.category) return false;
  if (f.expires) {
    const left = Date.parse(r.expires_at) - now;
    if (r.status !== "pending" || left <= 0 || left > EXPIRY_MS[f.expires]) return false;
  }
  if (f.q) {
    const needle = f.q.toLowerCase();
    const hay = [
      r.description,
      r.action_category,
      r.action_payload.target.type,
      r.action_payload.target.id,
      r.reasoning ?? "",
      r.source,
      r.severity,
      r.id,
    ]
      .join(" ")
      .toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

export function sortRequests(rows: readonly ApprovalListItem[], sort: SortOrder): ApprovalListItem[] {
  const by =
    sort === "newest"
      ? (a: ApprovalListItem, b: ApprovalListItem) => Date.parse(b.created_at) - Date.parse(a.created_at)
      : (a: ApprovalListItem, b: ApprovalListItem) => Date.parse(a.expires_at) - Date.parse(b.expires_at);
  return [...rows].sort(by);
}
