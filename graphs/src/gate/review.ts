// The approval protocol of the gate (DESIGN.md §3.7, spec/autonomy.md §3.4): what an interrupt
// carries to the reviewer — the exact action, its sha256 digest, the policy that asked, the similar
// past learnings and the allowed responses — and the resume value, parsed like any other input.
// The resume value is built from the approval request's stored verdict, never taken on trust: the
// graph re-reads the request before acting.
import { z } from "zod";

export const REVIEW_RESPONSES = ["approve", "reject", "edit"] as const;

export const ApprovalCard = z.object({
  type: z.literal("approval"),
  approval_request_id: z.uuid(),
  action_category: z.string(),
  action: z.object({
    account_id: z.uuid(),
    action_category: z.string(),
    target: z.object({ type: z.string(), id: z.string() }),
    params: z.record(z.string(), z.unknown()),
  }),
  payload_hash: z.string().regex(/^[0-9a-f]{64}$/),
  description: z.string(),
  severity: z.enum(["low", "medium", "high", "critical"]),
  policy: z.object({
    matched_policy_id: z.uuid().nullable(),
    base_policy: z.string().nullable(),
    gate: z.string(),
    reasons: z.array(z.object({ code: z.string(), detail: z.unknown().optional() })),
  }),
  similar_learnings: z.array(
    z.object({ id: z.uuid(), title: z.string(), polarity: z.enum(["confirmed", "rejected"]), sim: z.number() }),
  ),
  expires_at: z.iso.datetime({ offset: true }),
  responses: z.array(z.enum(REVIEW_RESPONSES)),
});
export type ApprovalCard = z.infer<typeof ApprovalCard>;

/**
 * How the request ended. An `edit` response is an approval with params (approval_request.approve):
 * the stored action is then the edited one, with its own digest, so it resumes as `approve` bound
 * to that digest.
 */
export const ReviewResume = z.discriminatedUnion("verdict", [
  z.strictObject({
    verdict: z.literal("approve"),
    approval_request_id: z.uuid(),
    payload_hash: z.string().regex(/^[0-9a-f]{64}$/),
    reviewer_ids: z.array(z.uuid()).min(1),
  }),
  z.strictObject({
    verdict: z.literal("reject"),
    approval_request_id: z.uuid(),
    reason: z.string().max(2000).nullable(),
    reviewer_ids: z.array(z.uuid()),
  }),
  z.strictObject({ verdict: z.literal("expired"), approval_request_id: z.uuid() }),
  z.strictObject({ verdict: z.literal("cancelled"), approval_request_id: z.uuid() }),
]);
export type ReviewResume = z.infer<typeof ReviewResume>;
