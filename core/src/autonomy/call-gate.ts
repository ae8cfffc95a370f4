// The autonomy gate for an AI client's call of a catalog operation (spec/mcp.md §5 "Gate"): an MCP
// tools/call of a write or destructive operation runs as an AI actor acting for the token's user.
// The policy rows that govern it are `actor_type: user` rows for the operation's action category (or
// `*`); with none, the effect class decides (writes proceed, destructive calls and g-marked
// operations wait for a person). A pending call writes only its approval request, whose action is
// the exact call — operation and parsed input — so the approval is bound to it by digest. A bulk
// operation (one with `callScope`) is decided by the strictest of the categories its items act
// under: one decision, one approval, whose plan carries the combined blast radius.
import type { ActionPayload, DbOrTx } from "@nodepilot/store";
import type { Principal } from "../auth/principal.ts";
import type { AnyOperation } from "../catalog/operation.ts";
import { actionDigest } from "./action-digest.ts";
import { type ApprovalRequestRow, createApprovalRequest } from "./approvals.ts";
import { type EffectiveLevel, resolvePolicy, strictness } from "./policy.ts";
import { loadPolicyRows } from "./policy-rows.ts";

/** Where a call's approval request says it came from; the executor of approved calls picks these. */
export const CALL_REQUEST_SOURCE = "mcp";

export interface CallLevel {
  level: EffectiveLevel;
  matched_policy_id: string | null;
  approval_chain_id: string | null;
  reason: "matched" | "unknown_policy" | "effect_default" | "always_gated";
}

/** What an AI actor may do with no policy row: writes proceed, destructive changes need a person. */
export const callDefaultLevel = (op: AnyOperation): EffectiveLevel =>
  op.effect === "destructive" ? "require_approval" : "auto_approve";

/** The level for one call, from the account's rows (pure; table-tested). Nothing lifts a block. */
export function resolveCallLevel(
  op: AnyOperation,
  rows: Parameters<typeof resolvePolicy>[0],
  principal: Pick<Principal, "userId">,
  now: Date,
  category: string = op.actionCategory ?? op.name,
): CallLevel {
  const r = resolvePolicy(rows, {
    category,
    actor: { type: "user", user_id: principal.userId },
    now,
  });
  const base: CallLevel =
    r.reason === "no_matching_policy"
      ? { level: callDefaultLevel(op), matched_policy_id: null, approval_chain_id: null, reason: "effect_default" }
      : {
          level: r.level,
          matched_policy_id: r.matched_policy_id,
          approval_chain_id: r.approval_chain_id,
          reason: r.reason === "unknown_policy" ? "unknown_policy" : "matched",
        };
  if (op.alwaysGated && base.level !== "block" && base.level !== "require_approval") {
    return { ...base, level: "require_approval", reason: "always_gated" };
  }
  return base;
}

/** The subject a call acts on: its `id` input when it has one, else the operation itself. */
function targetOf(op: AnyOperation, input: Record<string, unknown>): ActionPayload["target"] {
  const resource = op.name.slice(0, op.name.lastIndexOf("."));
  return typeof input.id === "string" ? { type: resource, id: input.id } : { type: "operation", id: op.name };
}

/** The exact action of a call; `idempotency_key` is transport, not action, so it is left out. */
export function callAction(
  op: AnyOperation,
  principal: Principal,
  input: Record<string, unknown>,
  category: string = op.actionCategory ?? op.name,
): ActionPayload {
  const { idempotency_key: _transport, ...defining } = input;
  return {
    account_id: principal.accountId,
    action_category: category,
    target: targetOf(op, defining),
    params: { operation: op.name, input: defining },
  };
}

export type CallGateOutcome =
  | { outcome: "proceed"; level: CallLevel }
  | { outcome: "blocked"; level: CallLevel }
  | { outcome: "pending"; level: CallLevel; request: ApprovalRequestRow };

/**
 * Which surface an AI actor's call came through: an MCP client, the web UI's concierge, or a web UI
 * page button (which goes through the same gate, spec/ui.md §1.3). Recorded on the request's plan.
 */
export type CallSurface = "mcp" | "chat" | "web";

const SURFACE_EVENT_SOURCE = { mcp: "mcp", chat: "chat", web: "api" } as const;

/** The fleet event source of a call made through the surface. */
export const callEventSource = (via: CallSurface) => SURFACE_EVENT_SOURCE[via];

export interface CallGateInput {
  op: AnyOperation;
  principal: Principal;
  input: Record<string, unknown>;
  now: Date;
  requestId: string;
  correlationId: string | null;
  /** Default `mcp`. */
  via?: CallSurface;
}

function requesterText(via: CallSurface, principal: Principal): string {
  const who = `${principal.actorType} ${principal.actorId}`;
  if (via === "chat") return `The concierge acting for ${who}`;
  if (via === "web") return `A web UI action of ${who}`;
  return `An AI client acting for ${who}`;
}

/** The categories a call may act under: its scope's (a bulk call's items), then the operation's own. */
export function callCategories(op: AnyOperation, scoped: readonly string[]): string[] {
  return [...new Set([...scoped, op.actionCategory ?? op.name])];
}

/**
 * The strictest level over the call's categories, and the category that set it (the first of
 * equally strict ones, so a bulk call's items' strictest category names it). Nothing lifts a block.
 */
async function strictestLevel(
  tx: DbOrTx,
  op: AnyOperation,
  principal: Principal,
  scoped: readonly string[],
  now: Date,
): Promise<{ category: string; level: CallLevel }> {
  let best: { category: string; level: CallLevel } | undefined;
  for (const category of callCategories(op, scoped)) {
    const rows = await loadPolicyRows(tx, principal.accountId, category);
    const level = resolveCallLevel(op, rows, principal, now, category);
    if (!best || strictness(level.level) > strictness(best.level.level)) best = { category, level };
  }
  return best!;
}

/**
 * Decide one call inside the caller's transaction. Pending creates (or finds, for the same exact
 * call) the approval request; the same call asked again while it waits gets the same request.
 */
export async function gateCall(tx: DbOrTx, g: CallGateInput): Promise<CallGateOutcome> {
  const { op, principal } = g;
  const via = g.via ?? "mcp";
  const scope = op.callScope ? await op.callScope(tx, principal, g.input, g.now) : null;
  const { category, level } = await strictestLevel(tx, op, principal, scope?.categories ?? [], g.now);
  if (level.level === "block") return { outcome: "blocked", level };
  if (level.level !== "require_approval") return { outcome: "proceed", level };
  const action = callAction(op, principal, g.input, category);
  const digest = actionDigest(action);
  const why =
    level.reason === "always_gated"
      ? `${op.name} always needs a person's approval when an AI client asks for it`
      : level.reason === "effect_default"
        ? `${op.name} is ${op.effect}: an AI client's call of it waits for a person's approval`
        : `policy ${level.matched_policy_id} requires approval of ${action.action_category} for AI clients`;
  const { request } = await createApprovalRequest(
    tx,
    {
      principal,
      source: callEventSource(via),
      correlationId: g.correlationId ?? `${via}:${g.requestId}`,
      now: g.now,
    },
    {
      action_payload: action,
      dedup_key: `call:${op.name}:${digest.slice(0, 32)}`,
      severity: op.effect === "destructive" ? "high" : "medium",
      description: `${requesterText(via, principal)} asks to run ${op.name} (${op.title}).`,
      source: CALL_REQUEST_SOURCE,
      plan: {
        operation: op.name,
        token_id: principal.tokenId,
        requested_via: via,
        ...(scope ? { action_categories: [...scope.categories], blast_radius: scope.blastRadius } : {}),
      },
      reasoning: why,
      matched_policy_id: level.matched_policy_id,
      approval_chain_id: level.approval_chain_id,
      requested_by_user_id: principal.userId,
    },
  );
  return { outcome: "pending", level, request };
}
