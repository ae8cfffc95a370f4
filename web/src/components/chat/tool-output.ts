// What a tool call part says, for its card: status, a one-line summary, the rows of a list result,
// the approval request it waits on, the policy that blocked it. Pure, so the rules read as a table.
import type { DynamicToolUIPart } from "ai";

export type ToolStatus = "running" | "succeeded" | "failed" | "awaiting approval" | "blocked";

export interface ToolView {
  status: ToolStatus;
  summary: string;
  rows: Record<string, unknown>[] | null;
  /** The list result has further pages. */
  more: boolean;
  approvalId: string | null;
  policyId: string | null;
}

type ToolPart = Pick<DynamicToolUIPart, "state" | "toolName"> & {
  output?: unknown;
  errorText?: string;
  /** The server's: {operation, effect} and, on failure, the structured error {code, message, reason, details}. */
  toolMetadata?: unknown;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

const FAILED_EXECUTIONS = new Set(["failed", "refused", "stale", "obsolete"]);

/** The objects of a list result: the output itself, or its `data` / `items` array. */
export function resultRows(output: unknown): { rows: Record<string, unknown>[]; more: boolean } | null {
  const list = Array.isArray(output)
    ? output
    : isObject(output)
      ? Array.isArray(output.data)
        ? output.data
        : Array.isArray(output.items)
          ? output.items
          : null
      : null;
  if (!list || list.length === 0 || !list.every(isObject)) return null;
  const meta = isObject(output) && isObject(output.meta) ? output.meta : {};
  const more = isObject(output) && (output.has_more === true || meta.has_more === true);
  return { rows: list as Record<string, unknown>[], more };
}

function policyOf(o: Record<string, unknown>): string | null {
  const err = isObject(o.error) ? o.error : {};
  return str(o.policy_id) ?? str(o.matched_policy_id) ?? str(err.policy_id) ?? null;
}

function objectSummary(o: Record<string, unknown>): string {
  const name = str(o.name) ?? str(o.title) ?? str(o.display_name) ?? str(o.hostname) ?? str(o.id);
  const status = str(o.status);
  if (name && status) return `${name} — ${status}`;
  return name ?? "Done";
}

function errorSummary(o: Record<string, unknown>): string | null {
  const err = isObject(o.error) ? o.error : o.ok === false ? o : null;
  if (!err) return null;
  const code = str(err.code);
  const message = str(err.detail) ?? str(err.message) ?? "the call failed";
  return code ? `${code}: ${message}` : message;
}

export function describeToolPart(part: ToolPart): ToolView {
  const base: ToolView = {
    status: "running",
    summary: "Running…",
    rows: null,
    more: false,
    approvalId: null,
    policyId: null,
  };
  switch (part.state) {
    case "input-streaming":
    case "input-available":
      return base;
    case "approval-requested":
    case "approval-responded":
      return { ...base, status: "awaiting approval", summary: "Waiting for approval." };
    case "output-denied":
      return { ...base, status: "blocked", summary: "The call was denied." };
    case "output-error": {
      const text = part.errorText ?? "The call failed.";
      const meta = isObject(part.toolMetadata) ? part.toolMetadata : {};
      const err = isObject(meta.error) ? meta.error : {};
      const details = isObject(err.details) ? err.details : {};
      const blocked = err.reason === "blocked_by_policy" || /blocked_by_policy|blocked by policy/i.test(text);
      return {
        ...base,
        status: blocked ? "blocked" : "failed",
        summary: text,
        policyId: blocked ? str(details.policy_id) : null,
      };
    }
  }
  const o = part.output;
  const listed = resultRows(o);
  if (listed) {
    const n = listed.rows.length;
    return {
      ...base,
      status: "succeeded",
      rows: listed.rows,
      more: listed.more,
      summary: `${n} ${n === 1 ? "row" : "rows"}${listed.more ? "; more exist" : ""}`,
    };
  }
  if (!isObject(o)) {
    if (Array.isArray(o)) return { ...base, status: "succeeded", summary: "No results" };
    return { ...base, status: "succeeded", summary: o === undefined || o === null ? "Done" : String(o) };
  }
  switch (o.status) {
    case "pending_approval":
      return {
        ...base,
        status: "awaiting approval",
        approvalId: str(o.approval_request_id),
        summary: `Waiting for a person's approval${str(o.operation) ? ` of ${o.operation}` : ""}${str(o.reason) ? `: ${o.reason}` : "."}`,
      };
    case "executed": {
      const exec = str(o.execution_status);
      const failed = exec !== null && FAILED_EXECUTIONS.has(exec);
      return {
        ...base,
        status: failed ? "failed" : "succeeded",
        summary: `Approved and executed${exec ? ` (${exec})` : ""}.`,
      };
    }
    case "rejected":
      return { ...base, status: "blocked", summary: "Rejected by an approver; the action did not run." };
    case "expired":
      return { ...base, status: "blocked", summary: "The approval request expired (expiry counts as rejection)." };
    case "blocked":
      return { ...base, status: "blocked", policyId: policyOf(o), summary: str(o.reason) ?? "Blocked by policy." };
  }
  const err = errorSummary(o);
  if (err) {
    const reason = isObject(o.error) ? str(o.error.reason) : str(o.reason);
    const blocked = reason === "blocked_by_policy";
    return { ...base, status: blocked ? "blocked" : "failed", policyId: blocked ? policyOf(o) : null, summary: err };
  }
  if (Array.isArray(o.data) || Array.isArray(o.items)) return { ...base, status: "succeeded", summary: "No results" };
  return { ...base, status: "succeeded", summary: objectSummary(o) };
}
