// tools/call (spec/mcp.md §4–5): authenticate the session's token again (revocation within 5 s) →
// resolve the tool → scope → rate limit → parse input → the autonomy gate for writes, as an AI
// actor → the one invoke pipeline. Every call is audited as `mcp.tool_called` with its outcome.
import { createHash } from "node:crypto";
import { type CallToolResult, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import {
  type AnyOperation,
  AppError,
  canonicalJson,
  gateAiCall,
  invoke,
  type PendingCall,
  type Principal,
  parseInput,
  requireScope,
  type Services,
  type TokenAuthenticator,
  toAppError,
} from "@nodepilot/core";
import { decideWithConfirmation, isApprovalDecision } from "./approval-elicitation.ts";
import type { AuditBuffer } from "./audit-buffer.ts";
import type { CallSession } from "./call-session.ts";
import type { FleetEventFeed } from "./fleet-events.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { invokeWithProgress, wantsProgress } from "./task-progress.ts";
import type { PendingApproval, ToolIndex } from "./tool-definitions.ts";
import { errorResult, successResult } from "./tool-result.ts";

export interface CallDeps {
  services: Services;
  auth: TokenAuthenticator;
  tools: ToolIndex;
  limiter: RateLimiter;
  audit: AuditBuffer;
  /** Where a person approves a pending call, e.g. `http://127.0.0.1:8080`. */
  publicUrl: string;
  /** Committed fleet events, for resource subscriptions and task progress. */
  events: FleetEventFeed;
  /** How long a task-backed call with a progressToken is held for progress (default 45 s). */
  progressWaitMs?: number;
}

export interface CallRequest {
  token: string;
  name: string;
  args: Record<string, unknown> | undefined;
  requestId: string;
  /** The MCP session and request handle: progress, elicitation and logging go through it. */
  session?: CallSession;
}

type Outcome = "ok" | "error" | "pending" | "blocked" | "declined";

/** The shared pending answer, plus where a person approves it. */
const pendingOf = (deps: CallDeps, pending: PendingCall): PendingApproval => ({
  ...pending,
  approve_url: `${deps.publicUrl}/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`,
});

async function gateAndRun(
  deps: CallDeps,
  op: AnyOperation,
  principal: Principal,
  input: Record<string, unknown>,
  requestId: string,
  session: CallSession | undefined,
): Promise<{ result: CallToolResult; outcome: Outcome }> {
  const gate = await gateAiCall(deps.services, { op, principal, input, requestId, via: "mcp" });
  if (gate.outcome === "blocked") return { result: errorResult(gate.error), outcome: "blocked" };
  if (gate.outcome === "pending") {
    // No elicitation here: the person on this session is the requester, whom four-eyes excludes.
    const pending = pendingOf(deps, gate.pending);
    const summary = `${op.name} waits for a person's approval (request ${pending.approval_request_id}); poll approval_request_get.`;
    return { result: successResult(summary, pending), outcome: "pending" };
  }
  if (isApprovalDecision(op)) return decideWithConfirmation(deps, session, op, principal, input, requestId);
  if (wantsProgress(op, session)) {
    return { result: await invokeWithProgress(deps, session, op, principal, input, requestId), outcome: "ok" };
  }
  const out = await invoke(deps.services, op, principal, input, { source: "mcp", requestId });
  const value = (out ?? {}) as Record<string, unknown>;
  return { result: successResult(`${op.name} succeeded.`, value), outcome: "ok" };
}

export async function callTool(deps: CallDeps, req: CallRequest): Promise<CallToolResult> {
  const op = deps.tools.operation(req.name);
  // An unknown tool is a protocol error, not a tool result (spec/mcp.md §4).
  if (!op) throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${req.name}`);
  let principal: Principal | undefined;
  let outcome: Outcome = "error";
  let errorCode: string | undefined;
  try {
    principal = await deps.auth.authenticate(req.token);
    requireScope(op, principal);
    const wait = deps.limiter.take(principal.tokenId ?? principal.actorId, op.effect === "read" ? "read" : "write");
    if (wait > 0) {
      throw new AppError("rate_limited", `too many ${op.effect === "read" ? "read" : "write"} calls for this token`, {
        details: { retry_after_seconds: wait },
      });
    }
    const input = parseInput(op, req.args ?? {}) as Record<string, unknown>;
    const ran = await gateAndRun(deps, op, principal, input, req.requestId, req.session);
    outcome = ran.outcome;
    return ran.result;
  } catch (err) {
    const e = toAppError(err);
    errorCode = e.code;
    if (e.code === "internal") {
      deps.services.logger.error("MCP tool call failed", { tool: req.name, error: String(e.cause ?? e.message) });
    }
    return errorResult(e);
  } finally {
    if (principal) {
      deps.audit.record(principal, {
        kind: "mcp.tool_called",
        severity: "low",
        payload: {
          operation: op.name,
          outcome,
          ...(errorCode ? { error_code: errorCode } : {}),
          arguments_sha256: createHash("sha256")
            .update(canonicalJson(req.args ?? {}))
            .digest("hex"),
          request_id: req.requestId,
        },
      });
    }
  }
}
