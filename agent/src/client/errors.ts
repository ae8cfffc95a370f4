// Typed failures of platform calls: a problem+json answer (domain.md §0) or no answer at all.
import { AgentProblem } from "@nodepilot/core/agent-protocol";

export class PlatformProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: AgentProblem,
    /** From Retry-After, when the server sent one. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(
      `${status} ${problem.code}${problem.reason ? `/${problem.reason}` : ""}: ${problem.detail ?? problem.title ?? ""}`.trim(),
    );
  }

  get code(): string {
    return this.problem.code;
  }

  get reason(): string | undefined {
    return this.problem.reason;
  }

  /** 5xx and 429 are worth retrying; other answers are the server's decision. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

/** The request never got a complete answer: refused, reset, TLS failure or a timeout. */
export class PlatformNetworkError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** A response that is not the documented shape: a protocol bug, never retried. */
export class PlatformResponseError extends Error {
  readonly retryable = false;
}

/** Turns a non-2xx body into a problem, inventing a minimal one when the body is not problem+json. */
export function toProblem(status: number, body: string): AgentProblem {
  try {
    const parsed = AgentProblem.safeParse(JSON.parse(body));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through to the synthetic problem below
  }
  const code =
    status === 401
      ? "unauthenticated"
      : status === 404
        ? "not_found"
        : status === 429
          ? "rate_limited"
          : status >= 500
            ? "unavailable"
            : "internal";
  return { status, code, detail: body.slice(0, 500) };
}

export function isRetryable(err: unknown): boolean {
  return (err instanceof PlatformProblemError || err instanceof PlatformNetworkError) && err.retryable;
}
