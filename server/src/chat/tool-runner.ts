// The concierge's tool runner: a tool call is one catalog operation run for the user by an AI actor
// (spec/ui.md §3.3–3.4), like an MCP client's call — the operation the tool names, the user's scope,
// the operation's input schema, the gate for anything but a read, then the one invoke pipeline.
// A gated call answers pending_approval and is remembered for its conversation; refusals are
// outcomes in the closed error set. A model never decides an approval (ADR 0012): deciding is the
// approval card's, where a person does it.
import {
  type AiCallResult,
  type AnyOperation,
  AppError,
  type CallSurface,
  type Catalog,
  type Principal,
  requireScope,
  runAiCall,
  type Services,
  toAppError,
} from "@nodepilot/core";
import { type ConciergeToolRunner, operationForTool, type ToolCallError } from "@nodepilot/graphs";
import type { PendingLink } from "./conversation-store.ts";

const DECISIONS = new Set(["approval_request.approve", "approval_request.reject"]);

export interface ChatCallDeps {
  services: Services;
  catalog: Catalog;
}

export interface ChatCallContext {
  principal: Principal;
  requestId: string;
  /** `chat:<conversation id>` for a turn: the events a turn's calls write carry it. */
  correlationId: string | null;
  via: Extract<CallSurface, "chat" | "web">;
  /** Told of each call that now waits for a person. */
  onPending?: (link: PendingLink) => void;
}

export function toolError(err: unknown, services: Services): ToolCallError {
  const e = toAppError(err);
  if (e.code === "internal") {
    services.logger.error("concierge tool call failed", { error: String(e.cause ?? e.message) });
    return { code: "internal", message: "internal error" };
  }
  return {
    code: e.code,
    message: e.message,
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.errors || e.details ? { details: { ...(e.errors ? { errors: e.errors } : {}), ...(e.details ?? {}) } } : {}),
  };
}

/** Run one call of an operation with raw arguments; throws the refusal as an AppError. */
export async function runChatCall(
  deps: ChatCallDeps,
  ctx: ChatCallContext,
  op: AnyOperation,
  args: unknown,
): Promise<AiCallResult> {
  requireScope(op, ctx.principal);
  if (DECISIONS.has(op.name)) {
    throw new AppError(
      "forbidden",
      `${op.name} is decided by a person on the approval card (Approve / Reject), never by the concierge`,
      { reason: "human_confirmation_required" },
    );
  }
  return runAiCall(deps.services, {
    op,
    principal: ctx.principal,
    rawInput: args,
    requestId: ctx.requestId,
    correlationId: ctx.correlationId,
    via: ctx.via,
  });
}

export function chatToolRunner(deps: ChatCallDeps, ctx: ChatCallContext): ConciergeToolRunner {
  return async (call) => {
    const op = operationForTool(deps.catalog.operations, call.name);
    if (!op) return { ok: false, error: { code: "not_found", message: `no tool named ${call.name}` } };
    try {
      const result = await runChatCall(deps, ctx, op, call.args);
      if (result.status === "applied") return { ok: true, output: result.output ?? null };
      ctx.onPending?.({ approvalRequestId: result.approval_request_id, toolName: call.name, input: call.args });
      return { ok: true, output: result };
    } catch (err) {
      return { ok: false, error: toolError(err, deps.services) };
    }
  };
}
