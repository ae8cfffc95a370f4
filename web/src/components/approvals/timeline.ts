// The decision timeline of one request (spec/ui.md §4 detail): created, in-place updates (collapsed
// with a count), edits, each decision with its comment (voided ones marked), expiry and the
// execution stamp — from the request, its decisions and its fleet events, oldest first.
import type { FleetEvent } from "../fleet/types";
import type { ApprovalRequest } from "./types";

export interface TimelineEntry {
  key: string;
  at: string;
  title: string;
  detail?: string;
  /** A user id to name, when a person did it. */
  userId?: string | null;
  voided?: boolean;
  count?: number;
}

const COVERED_BY_DECISIONS = new Set([
  "autonomy.approval_requested",
  "autonomy.approval_step_approved",
  "autonomy.approval_approved",
  "autonomy.approval_rejected",
]);

function fromEvent(e: FleetEvent): TimelineEntry | null {
  const p = e.payload;
  switch (e.kind) {
    case "autonomy.approval_refreshed":
      return {
        key: e.id,
        at: e.created_at,
        title: "Updated in place",
        detail: "the action changed; earlier approvals were voided",
      };
    case "autonomy.approval_edited":
      return {
        key: e.id,
        at: e.created_at,
        title: "Action edited by an approver",
        detail: `new digest ${String(p.payload_hash ?? "").slice(0, 12)}; ${Number(p.voided_decisions ?? 0)} earlier decisions voided`,
        userId: e.actor_type === "user" ? e.actor_id : undefined,
      };
    case "autonomy.approval_expired":
      return { key: e.id, at: e.created_at, title: "Expired", detail: "expiry counts as rejection" };
    case "autonomy.approval_executed":
      return { key: e.id, at: e.created_at, title: `Executed: ${String(p.execution_status ?? "unknown")}` };
    default:
      return COVERED_BY_DECISIONS.has(e.kind) ? null : { key: e.id, at: e.created_at, title: e.kind };
  }
}

export function buildTimeline(r: ApprovalRequest, events: readonly FleetEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    {
      key: "created",
      at: r.created_at,
      title: "Requested",
      detail: r.description,
      userId: r.requested_by_user_id ?? undefined,
    },
  ];
  for (const e of events) {
    const entry = fromEvent(e);
    if (entry) entries.push(entry);
  }
  for (const d of r.decisions) {
    const step = r.chain.steps[d.step_index]?.name ?? `step ${d.step_index + 1}`;
    entries.push({
      key: d.id,
      at: d.decided_at,
      title: `${d.verdict === "approve" ? "Approved" : "Rejected"} (${step})`,
      ...(d.comment ? { detail: d.comment } : {}),
      userId: d.user_id,
      voided: d.voided_at !== null,
    });
  }
  const has = (title: string) => entries.some((e) => e.title.startsWith(title));
  if (r.status === "expired" && r.decided_at && !has("Expired")) {
    entries.push({ key: "expired", at: r.decided_at, title: "Expired", detail: "expiry counts as rejection" });
  }
  if (r.executed_at && !has("Executed")) {
    entries.push({ key: "executed", at: r.executed_at, title: `Executed: ${r.execution_status ?? "unknown"}` });
  }
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // Consecutive in-place updates are one entry with a count (the dedup of spec/autonomy.md §3.4 rule 5).
  const out: TimelineEntry[] = [];
  for (const e of entries) {
    const prev = out[out.length - 1];
    if (prev && prev.title === "Updated in place" && e.title === "Updated in place") {
      out[out.length - 1] = { ...prev, at: e.at, count: (prev.count ?? 1) + 1 };
    } else out.push(e);
  }
  return out;
}
