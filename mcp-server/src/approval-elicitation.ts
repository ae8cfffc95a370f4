// Approval decisions from an MCP client (spec/mcp.md §5 "Gate"): a model must never decide an
// approval by itself, so approval_request_approve and approval_request_reject ask the connected
// person through elicitation, and only their answer is executed. First the decision is rehearsed
// (core's decideApproval in a transaction that is always rolled back, so four-eyes, approver and
// state rules live in one place): the requester, or anyone else who may not decide, is refused
// before anything is asked. A client that cannot elicit gets `human_confirmation_required` and
// where to decide instead. Decline, cancel or no answer change nothing.
//
// A gated call that comes back pending is never followed by an elicitation on the same session:
// the person connected there is the requester of record, whom four-eyes excludes.
import type { CallToolResult, ElicitRequestFormParams } from "@modelcontextprotocol/sdk/types.js";
import {
  type AnyOperation,
  AppError,
  decideApproval,
  type EventOrigin,
  invalidInput,
  invoke,
  type Principal,
  type Services,
} from "@nodepilot/core";
import { z } from "zod";
import type { CallSession } from "./call-session.ts";
import type { ToolIndex } from "./tool-definitions.ts";
import { successResult } from "./tool-result.ts";

export interface ElicitationDeps {
  services: Services;
  tools: ToolIndex;
  /** Base of the REST approve/reject URLs a client without elicitation is pointed to. */
  publicUrl: string;
}

/** How long the person has to answer: at most this, and never past the request's expiry. */
const ANSWER_WITHIN_MS = 10 * 60_000;

const DECISIONS = { "approval_request.approve": "approve", "approval_request.reject": "reject" } as const;

export const isApprovalDecision = (op: AnyOperation) => op.name in DECISIONS;

// The model's arguments, as the two operations parsed them.
const DecisionInput = z.object({
  id: z.string(),
  payload_hash: z.string(),
  comment: z.string().optional(),
  reason: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  idempotency_key: z.string().optional(),
});

// What the client answers; the SDK has checked it against requestedSchema, this parses it for us.
const Answer = z.object({
  decision: z.enum(["approve", "reject"]),
  reason: z.string().trim().max(500).optional(),
});

// The approval_request.get output fields the person is shown.
const Shown = z.object({
  id: z.string(),
  status: z.string(),
  description: z.string(),
  severity: z.string(),
  action_category: z.string(),
  action_payload: z.object({
    target: z.object({ type: z.string(), id: z.string() }),
    params: z.record(z.string(), z.unknown()),
  }),
  payload_hash: z.string(),
  plan: z.record(z.string(), z.unknown()).nullable(),
  reasoning: z.string().nullable(),
  expires_at: z.string(),
});
type ShownRequest = z.infer<typeof Shown>;

class Rehearsed extends Error {}

/** Would this person's decision be accepted? decideApproval answers, and its writes are rolled back. */
async function rehearse(
  services: Services,
  principal: Principal,
  verdict: "approve" | "reject",
  input: z.infer<typeof DecisionInput>,
): Promise<void> {
  const origin: EventOrigin = { principal, source: "mcp", correlationId: null, now: services.clock() };
  try {
    await services.database.db.transaction(async (tx) => {
      await decideApproval(tx, origin, {
        id: input.id,
        verdict,
        payload_hash: input.payload_hash,
        ...(verdict === "approve" && input.params !== undefined ? { edit_params: input.params } : {}),
      });
      throw new Rehearsed();
    });
  } catch (err) {
    if (err instanceof Rehearsed) return;
    throw err;
  }
}

const operation = (deps: ElicitationDeps, name: string) => {
  const op = deps.tools.operation(name.replaceAll(".", "_"));
  if (!op) throw new Error(`${name} is not an MCP tool`);
  return op;
};

/** The exact action, its digest, what it reaches and until when, in the words the person reads. */
function messageOf(r: ShownRequest, edits: Record<string, unknown> | undefined): string {
  const { target, params } = r.action_payload;
  const blast =
    r.plan && "blast_radius" in r.plan
      ? JSON.stringify(r.plan.blast_radius)
      : `one ${target.type} (${target.id}), severity ${r.severity}`;
  return [
    `Approve or reject this action? An AI client is asking you; only your answer decides it.`,
    `Action: ${r.action_category} on ${target.type} ${target.id}`,
    `Exact action: ${JSON.stringify(params)}`,
    ...(edits ? [`Approved with edits: ${JSON.stringify(edits)} (your approval binds to the edited action)`] : []),
    `Digest (sha256): ${r.payload_hash}`,
    `Requested: ${r.description}`,
    ...(r.reasoning ? [`Why it waits: ${r.reasoning}`] : []),
    `Blast radius: ${blast}`,
    `Expires: ${r.expires_at} (expiry counts as rejection)`,
  ].join("\n");
}

function requestedSchema(proposedReason: string | undefined): ElicitRequestFormParams["requestedSchema"] {
  return {
    type: "object",
    properties: {
      decision: { type: "string", title: "Your decision", enum: ["approve", "reject"] },
      reason: {
        type: "string",
        title: "Reason",
        description: "Recorded with your decision; a rejection needs one.",
        maxLength: 500,
        ...(proposedReason ? { default: proposedReason } : {}),
      },
    },
    required: ["decision"],
  };
}

/**
 * Decide an approval request for the person connected to this session, after asking them. Throws
 * the same AppErrors as the operations (not_found, not_pending, payload_changed, four_eyes, …) and
 * `forbidden`/`human_confirmation_required` when the client cannot ask.
 */
export async function decideWithConfirmation(
  deps: ElicitationDeps,
  session: CallSession | undefined,
  op: AnyOperation,
  principal: Principal,
  rawInput: Record<string, unknown>,
  requestId: string,
): Promise<{ result: CallToolResult; outcome: "ok" | "declined" }> {
  const asked = DECISIONS[op.name as keyof typeof DECISIONS];
  const input = DecisionInput.parse(rawInput);
  const meta = { source: "mcp" as const, requestId };
  await rehearse(deps.services, principal, asked, input);
  const getOp = operation(deps, "approval_request.get");
  const current = async () =>
    (await invoke(deps.services, getOp, principal, { id: input.id }, meta)) as Record<string, unknown>;
  const before = await current();
  const shown = Shown.parse(before);
  const urls = `${deps.publicUrl}/api/v1/autonomy/approval_requests/${shown.id}`;
  if (!session?.server.getClientCapabilities()?.elicitation?.form) {
    throw new AppError(
      "forbidden",
      `approval decisions from an MCP client need the person's own confirmation, and this client cannot ask (no form elicitation): decide at POST ${urls}/approve or ${urls}/reject with the payload_hash, or with \`nodepilot approval_request approve|reject\``,
      {
        reason: "human_confirmation_required",
        details: {
          approval_request_id: shown.id,
          action_digest: shown.payload_hash,
          approve_url: `${urls}/approve`,
          reject_url: `${urls}/reject`,
        },
      },
    );
  }
  const edits = asked === "approve" ? input.params : undefined;
  const untilExpiry = new Date(shown.expires_at).getTime() - Date.now();
  const declined = async (why: string): Promise<{ result: CallToolResult; outcome: "declined" }> => ({
    result: successResult(`${why}; nothing changed: approval request ${shown.id} is as it was.`, await current()),
    outcome: "declined",
  });
  let answer: Awaited<ReturnType<CallSession["server"]["elicitInput"]>>;
  try {
    answer = await session.server.elicitInput(
      {
        mode: "form",
        message: messageOf(shown, edits),
        requestedSchema: requestedSchema(input.comment ?? input.reason),
      },
      {
        relatedRequestId: session.extra.requestId,
        signal: session.extra.signal,
        timeout: Math.max(1000, Math.min(ANSWER_WITHIN_MS, untilExpiry)),
      },
    );
  } catch (err) {
    if (session.extra.signal.aborted) throw err;
    return declined(`No answer came from the person (${err instanceof Error ? err.message : String(err)})`);
  }
  if (answer.action !== "accept")
    return declined(`The person ${answer.action === "decline" ? "declined" : "cancelled"}`);
  const parsed = Answer.safeParse(answer.content ?? {});
  if (!parsed.success) {
    throw invalidInput(
      "the answer to the confirmation does not fit its form",
      parsed.error.issues.map((i) => ({ path: i.path.join(".") || "decision", message: i.message })),
    );
  }
  const { decision, reason } = parsed.data;
  const idem = input.idempotency_key ? { idempotency_key: input.idempotency_key } : {};
  // The person's decision is what runs, bound to the digest they were shown.
  const out =
    decision === "approve"
      ? await invoke(
          deps.services,
          operation(deps, "approval_request.approve"),
          principal,
          {
            id: shown.id,
            payload_hash: shown.payload_hash,
            ...(reason ? { comment: reason } : {}),
            ...(edits ? { params: edits } : {}),
            ...idem,
          },
          meta,
        )
      : await invoke(
          deps.services,
          operation(deps, "approval_request.reject"),
          principal,
          {
            id: shown.id,
            payload_hash: shown.payload_hash,
            reason: reason || "rejected by a person in an MCP client",
            ...idem,
          },
          meta,
        );
  const value = out as Record<string, unknown>;
  return {
    result: successResult(`The person chose to ${decision}: approval request ${shown.id} is ${value.status}.`, value),
    outcome: "ok",
  };
}
