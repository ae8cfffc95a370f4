// review_pending_approvals: the operator's approval queue as a review job for a model. It embeds the
// pending requests (exact action, target, payload_hash, policy, expiry, who asked) and has the model
// check each target's current state and recommend — while the decision stays with a person, and
// four-eyes means nobody approves what they asked for themselves.
import { z } from "zod";
import { clip, embeddedJson, type PromptDefinition, relative, userText } from "./prompt-definition.ts";
import type { SessionReads } from "./session-reads.ts";

const DEFAULT_LIMIT = 20;

interface ApprovalRequest {
  id: string;
  action_category: string;
  severity: string;
  description: string;
  action_payload: { target: { type: string; id: string }; params: Record<string, unknown> };
  payload_hash: string;
  reasoning: string | null;
  matched_policy_id: string | null;
  source: string;
  expires_at: string;
  requested_by_agent_id: string | null;
  requested_by_user_id: string | null;
  current_step: number;
  chain: { name: string; steps: { name: string; required_approvals: number }[] };
  created_at: string;
  [field: string]: unknown;
}

export interface ReviewContext {
  now: Date;
  /** The session's user: four-eyes refuses their approval of a request they made. */
  self_user_id: string | null;
  requests: ApprovalRequest[];
  has_more: boolean;
}

type ReviewArgs = {
  limit?: number;
};

async function load(args: ReviewArgs, reads: SessionReads): Promise<ReviewContext> {
  const page = await reads.read<{ items: ApprovalRequest[]; has_more: boolean }>("approval_request_list", {
    status: ["pending"],
    limit: args.limit ?? DEFAULT_LIMIT,
  });
  return { now: reads.now, self_user_id: reads.principal.userId, requests: page.items, has_more: page.has_more };
}

/** Which read tool shows a target of this type, so the model checks the subject before judging. */
const TARGET_TOOL: Record<string, string> = {
  node_instance: "instance_get",
  instance: "instance_get",
  node: "node_get",
  node_module: "module_get",
  module: "module_get",
  module_version: "module_version_get",
  task: "task_get",
  instance_pool: "pool_get",
  pool: "pool_get",
  node_template: "template_get",
  template: "template_get",
};

function requester(c: ReviewContext, r: ApprovalRequest): string {
  if (r.requested_by_user_id && r.requested_by_user_id === c.self_user_id) return "you (someone else must approve)";
  if (r.requested_by_user_id) return `user ${r.requested_by_user_id}`;
  if (r.requested_by_agent_id) return `agent ${r.requested_by_agent_id}`;
  return r.source;
}

function requestLine(c: ReviewContext, r: ApprovalRequest): string {
  const t = r.action_payload.target;
  const step = r.chain.steps[r.current_step];
  return [
    `- ${r.id}: ${r.action_category} on ${t.type} ${t.id} [${r.severity}]`,
    `  ${clip(r.description, 300)}`,
    `  params ${clip(JSON.stringify(r.action_payload.params), 300)}; payload_hash ${r.payload_hash}`,
    `  requested by ${requester(c, r)} ${relative(c.now, r.created_at)}; expires ${relative(c.now, r.expires_at)}`,
    `  policy ${r.matched_policy_id ?? "default"}; chain ${r.chain.name}${step ? `, step ${r.current_step + 1}/${r.chain.steps.length} (${step.name}, ${step.required_approvals} approval(s))` : ""}`,
    ...(r.reasoning ? [`  reasoning: ${clip(r.reasoning, 400)}`] : []),
  ].join("\n");
}

function summary(c: ReviewContext): string {
  if (c.requests.length === 0) {
    return `No Nodepilot approval requests are pending (read at ${c.now.toISOString()}). Say so; there is nothing to review.`;
  }
  return [
    `Review the Nodepilot approval requests waiting for a decision: ${c.requests.length}${c.has_more ? " shown, more are waiting (raise limit to see them)" : ""}, soonest expiry first. Read at ${c.now.toISOString()}.`,
    "",
    ...[...c.requests]
      .sort((a, b) => Date.parse(a.expires_at) - Date.parse(b.expires_at))
      .map((r) => requestLine(c, r)),
    "",
    "The full requests are attached as nodepilot://approvals/pending.",
  ].join("\n");
}

const INSTRUCTIONS = [
  "Review each request; do not approve or reject anything on your own. For each one:",
  "1. Read it whole: approval_request_get {id} shows the exact action, its plan, the learning evidence and the decisions so far.",
  `2. Look at the target as it is now with its read tool (${[...new Set(Object.values(TARGET_TOOL))].join(", ")}), and at what happened to it recently: event_list {node_instance_id} for an instance, event_list {subject_type, subject_id} otherwise.`,
  "3. Judge: is the action still needed (a target that recovered or changed since makes it stale), is it the least disruptive fix, how many machines does it touch, and does the evidence support it?",
  "",
  "Answer with one line per request: id, action → target, your recommendation (approve, reject, or ask someone who knows the system), the reason in one sentence, and when it expires. Put the ones expiring soonest first; an expired request counts as rejected.",
  "",
  "Only when the operator tells you to in this conversation, decide with approval_request_approve {id, payload_hash} or approval_request_reject {id, payload_hash, reason}, echoing the payload_hash exactly as shown (a changed action is refused). Deciding needs autonomy:write, and Nodepilot refuses an approval from whoever made the request (four-eyes): requests marked as yours need another person.",
].join("\n");

export const reviewPendingApprovalsPrompt: PromptDefinition<ReviewArgs, ReviewContext> = {
  name: "review_pending_approvals",
  title: "Review pending approvals",
  description:
    "Go through the autonomy approval queue: embeds the pending requests (action, target, payload_hash, policy, expiry, requester) and has the model check each target's current state and recommend approve or reject, leaving the decision to a person.",
  arguments: [
    {
      name: "limit",
      description: `How many pending requests to embed, 1–200 (default ${DEFAULT_LIMIT}).`,
      required: false,
      schema: z
        .string()
        .regex(/^\d+$/, "must be a whole number")
        .transform(Number)
        .pipe(z.number().int().min(1).max(200)),
    },
  ],
  load,
  render: (_args, c) => [
    userText(summary(c)),
    ...(c.requests.length > 0
      ? [embeddedJson("nodepilot://approvals/pending", { items: c.requests, has_more: c.has_more })]
      : []),
    ...(c.requests.length > 0 ? [userText(INSTRUCTIONS)] : []),
  ],
};
