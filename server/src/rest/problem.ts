// Maps the closed error set onto HTTP once: status + application/problem+json (spec/domain.md §0).
import { type AppError, HTTP_STATUS } from "@nodepilot/core";

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  reason?: string;
  detail: string;
  errors?: { path: string; message: string }[];
  current_state?: string;
  request_id: string;
  [extra: string]: unknown;
}

const TITLES: Record<string, string> = {
  invalid_input: "Invalid input",
  unauthenticated: "Authentication required",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  rate_limited: "Too many requests",
  internal: "Internal error",
  unavailable: "Service unavailable",
};

export function toProblem(err: AppError, requestId: string): Problem {
  const status = HTTP_STATUS[err.code];
  return {
    type: `urn:nodepilot:problem:${err.code}`,
    title: TITLES[err.code] ?? err.code,
    status,
    code: err.code,
    ...(err.reason ? { reason: err.reason } : {}),
    // Internal errors never leak their cause to the caller; it is logged with the request id.
    detail: err.code === "internal" ? "internal error" : err.message,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.current_state ? { current_state: err.current_state } : {}),
    ...(err.code === "internal" ? {} : (err.details ?? {})),
    request_id: requestId,
  };
}

export function problemResponse(err: AppError, requestId: string, headers: Record<string, string> = {}): Response {
  const body = toProblem(err, requestId);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}
