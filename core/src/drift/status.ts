// A drift item's status, computed (spec/ui.md §5 "Drift queue"): from the condition (cleared or
// not), the operator's overlay for the condition's current episode, and how its remediation stands.
// Nothing stores the status itself, so a snooze ends by the clock (the item reopens if the drift
// persists), a clearing auto-resolves it, a new episode starts open, and a failed or rejected
// remediation hands it back. Pure.

export const DRIFT_STATUSES = ["open", "remediating", "snoozed", "resolved", "auto_resolved"] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];
/** What the queue shows by default: everything that still needs someone. */
export const ACTIVE_STATUSES: readonly DriftStatus[] = ["open", "remediating", "snoozed"];

export type RemediationState = "awaiting_approval" | "running" | "completed" | "failed" | "ineffective";

export interface StatusInput {
  now: Date;
  cleared_at: Date | null;
  last_seen_at: Date;
  /** The overlay row of the current episode, if any. */
  overlay: {
    status: "snoozed" | "resolved" | "remediating" | null;
    snoozed_until: Date | null;
    remediated_at: Date | null;
    remediation_count: number;
  } | null;
  /** A gated remediation naming the item waits for a person (or for its approved run). */
  awaiting_approval: boolean;
  /** The remediation's tasks as they stand (rows found of the overlay's task ids). */
  tasks: { found: number; failed: number; succeeded: number; last_completed_at: Date | null };
  /** After a remediation completed, how long the sensor may still report the drift before it counts as ineffective. */
  settle_seconds: number;
}

/**
 * How the episode's remediation stands: failed when a task failed, was cancelled or expired;
 * ineffective when everything it did completed and the drift was still seen after the settle
 * window; null when none was started.
 */
export function remediationState(s: StatusInput): RemediationState | null {
  if (s.awaiting_approval) return "awaiting_approval";
  const o = s.overlay;
  if (!o || o.remediation_count === 0 || !o.remediated_at) return null;
  const t = s.tasks;
  if (t.failed > 0) return "failed";
  const doneAt = t.found > 0 ? (t.succeeded === t.found ? t.last_completed_at : null) : o.remediated_at;
  if (!doneAt) return "running";
  const settled = doneAt.getTime() + s.settle_seconds * 1000;
  return s.cleared_at === null && s.last_seen_at.getTime() > settled ? "ineffective" : "completed";
}

export function driftStatus(s: StatusInput): DriftStatus {
  const o = s.overlay;
  if (o?.status === "resolved") return "resolved";
  if (s.cleared_at !== null) return "auto_resolved";
  if (o?.status === "snoozed" && o.snoozed_until && o.snoozed_until.getTime() > s.now.getTime()) return "snoozed";
  if (s.awaiting_approval) return "remediating";
  if (o?.status === "remediating") {
    const r = remediationState(s);
    return r === "failed" || r === "ineffective" ? "open" : "remediating";
  }
  return "open";
}
