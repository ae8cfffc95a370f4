// A drift item as the API returns it: a condition's row from the readers, described, with its
// computed status, suggested remediation and the names of what it is about. Assembly only; the
// rules live in describe.ts, status.ts and remediation.ts.
import { z } from "zod";
import { NullableTimestamp, Timestamp } from "../schemas/common.ts";
import { describeDrift } from "./describe.ts";
import { conditionKey, driftItemId } from "./item-id.ts";
import { DRIFT_KINDS } from "./kinds.ts";
import type { DriftRow, Names } from "./read.ts";
import { remediationPlan, suggestRemediation } from "./remediation.ts";
import { DRIFT_STATUSES, driftStatus, remediationState, type StatusInput } from "./status.ts";

export const DriftItemSchema = z.strictObject({
  id: z.string().describe("Opaque, URL-safe and stable for the condition (kind + fingerprint)."),
  kind: z.enum(DRIFT_KINDS),
  fingerprint: z.string(),
  episode: z.number().int(),
  subject: z.strictObject({
    type: z.enum(["instance", "module", "repository", "condition"]),
    id: z.string(),
    name: z.string().nullable(),
  }),
  instance_id: z.string().nullable(),
  instance_ids: z.array(z.string()),
  node_id: z.string().nullable(),
  severity: z.enum(["low", "medium", "high", "critical"]),
  summary: z.string(),
  comparisons: z.array(
    z.strictObject({ label: z.string(), expected: z.string(), actual: z.string(), module_id: z.string().optional() }),
  ),
  unlisted_comparisons: z.number().int(),
  first_detected_at: Timestamp,
  last_seen_at: Timestamp,
  cleared_at: NullableTimestamp,
  status: z.enum(DRIFT_STATUSES),
  snoozed_until: NullableTimestamp,
  reason: z.string().nullable(),
  decided_by: z.string().nullable(),
  assignee: z
    .strictObject({ user_id: z.string(), email: z.string().nullable(), name: z.string().nullable() })
    .nullable(),
  suggested_remediation: z
    .strictObject({
      operation: z.literal("drift.remediate"),
      input: z.strictObject({ ids: z.array(z.string()) }),
      label: z.string(),
      action_category: z.string(),
    })
    .nullable(),
  remediation: z
    .strictObject({
      approval_request_id: z.string().nullable(),
      task_ids: z.array(z.string()),
      state: z.enum(["awaiting_approval", "running", "completed", "failed", "ineffective"]),
      started_at: NullableTimestamp,
    })
    .nullable(),
});
export type DriftItem = z.infer<typeof DriftItemSchema>;

export interface ItemContext {
  now: Date;
  settleSeconds: number;
  /** Condition key → the approval request of a gated remediation still waiting. */
  awaiting: ReadonlyMap<string, string>;
  names: Names;
}

export function statusInputOf(
  row: DriftRow,
  ctx: Pick<ItemContext, "now" | "settleSeconds" | "awaiting">,
): StatusInput {
  return {
    now: ctx.now,
    cleared_at: row.cleared_at,
    last_seen_at: row.last_seen_at,
    overlay: row.overlay,
    awaiting_approval: ctx.awaiting.has(conditionKey(row)),
    tasks: row.tasks,
    settle_seconds: ctx.settleSeconds,
  };
}

/** The ids readNames should look up for these rows. */
export function namesWanted(rows: readonly DriftRow[]) {
  const want = {
    instances: [] as string[],
    modules: [] as string[],
    repositories: [] as string[],
    users: [] as string[],
  };
  for (const r of rows) {
    const d = describeDrift(r.kind, r.fingerprint, r.payload);
    want.instances.push(...d.instance_ids);
    if (d.subject.type === "module") want.modules.push(d.subject.id);
    if (d.subject.type === "repository") want.repositories.push(d.subject.id);
    if (r.overlay?.assignee_user_id) want.users.push(r.overlay.assignee_user_id);
  }
  return want;
}

export function driftItemOf(row: DriftRow, ctx: ItemContext): DriftItem {
  const d = describeDrift(row.kind, row.fingerprint, row.payload);
  const id = driftItemId(row);
  const s = statusInputOf(row, ctx);
  const status = driftStatus(s);
  const o = row.overlay;
  const name =
    d.subject.type === "instance"
      ? (ctx.names.instances.get(d.subject.id)?.name ?? null)
      : d.subject.type === "module"
        ? (ctx.names.modules.get(d.subject.id) ?? null)
        : d.subject.type === "repository"
          ? (ctx.names.repositories.get(d.subject.id) ?? d.subject.name)
          : null;
  const remediation = remediationState(s);
  const assignee = o?.assignee_user_id ? ctx.names.users.get(o.assignee_user_id) : undefined;
  const plan = remediationPlan(row.kind, row.payload, d);
  return {
    id,
    kind: row.kind,
    fingerprint: row.fingerprint,
    episode: row.episode,
    subject: { ...d.subject, name },
    instance_id: d.instance_id,
    instance_ids: d.instance_ids,
    node_id: d.node_id ?? (d.instance_id ? (ctx.names.instances.get(d.instance_id)?.node_id ?? null) : null),
    severity: row.severity,
    summary: d.summary,
    comparisons: d.comparisons,
    unlisted_comparisons: d.unlisted,
    first_detected_at: row.first_seen_at.toISOString(),
    last_seen_at: row.last_seen_at.toISOString(),
    cleared_at: row.cleared_at?.toISOString() ?? null,
    status,
    snoozed_until: status === "snoozed" ? (o?.snoozed_until?.toISOString() ?? null) : null,
    reason: status === "snoozed" || status === "resolved" ? (o?.reason ?? null) : null,
    decided_by: o?.decided_by ?? null,
    assignee: o?.assignee_user_id
      ? { user_id: o.assignee_user_id, email: assignee?.email ?? null, name: assignee?.name ?? null }
      : null,
    suggested_remediation:
      status === "resolved" || status === "auto_resolved"
        ? null
        : suggestRemediation(id, row.kind, plan, d.subject.type === "instance" ? name : null),
    remediation: remediation
      ? {
          approval_request_id:
            remediation === "awaiting_approval"
              ? (ctx.awaiting.get(conditionKey(row)) ?? null)
              : (o?.approval_request_id ?? null),
          task_ids: remediation === "awaiting_approval" ? [] : (o?.task_ids ?? []),
          state: remediation,
          started_at: remediation === "awaiting_approval" ? null : (o?.remediated_at?.toISOString() ?? null),
        }
      : null,
  };
}
