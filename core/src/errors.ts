// The closed set of error codes every surface maps once (DESIGN.md §3.3, spec/domain.md §0).
import type { z } from "zod";

export const ERROR_CODES = [
  "invalid_input",
  "unauthenticated",
  "forbidden",
  "not_found",
  "conflict",
  "rate_limited",
  "internal",
  "unavailable",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  reason?: string;
  errors?: FieldError[];
  current_state?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
  /**
   * Commit the request's transaction before answering with this error: for refusals that are
   * themselves a recorded outcome (e.g. a refused publish keeps its publish_error and event).
   */
  commit?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly reason: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly current_state: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly commit: boolean;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.reason = opts.reason;
    this.errors = opts.errors;
    this.current_state = opts.current_state;
    this.details = opts.details;
    this.commit = opts.commit ?? false;
  }

  toJSON() {
    return {
      code: this.code,
      ...(this.reason ? { reason: this.reason } : {}),
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(this.current_state ? { current_state: this.current_state } : {}),
      ...(this.details ?? {}),
    };
  }
}

export const invalidInput = (message: string, errors?: FieldError[], reason?: string) =>
  new AppError("invalid_input", message, { ...(errors ? { errors } : {}), ...(reason ? { reason } : {}) });
export const notFound = (what: string, id?: string) =>
  new AppError("not_found", id ? `${what} ${id} was not found` : `${what} was not found`);
export const conflict = (message: string, opts: AppErrorOptions = {}) => new AppError("conflict", message, opts);
export const forbidden = (message: string, opts: AppErrorOptions = {}) => new AppError("forbidden", message, opts);

/** JSON-pointer-ish dotted path of a zod issue, e.g. `config.labels.0`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join(".");
}

export function fromZodError(err: z.ZodError, prefix = ""): AppError {
  const errors = err.issues.flatMap((i): FieldError[] => {
    const base = issuePath(i.path);
    if (i.code === "unrecognized_keys") {
      return i.keys.map((k) => ({
        path: [prefix, base, k].filter(Boolean).join("."),
        message: `unknown field "${k}"`,
      }));
    }
    return [{ path: [prefix, base].filter(Boolean).join(".") || "(root)", message: i.message }];
  });
  const first = errors[0];
  return invalidInput(first ? `${first.path}: ${first.message}` : "invalid input", errors);
}

/** Map PostgreSQL errors that represent caller mistakes onto the closed set. */
export function fromDatabaseError(err: unknown): AppError | undefined {
  // drizzle wraps driver errors (DrizzleQueryError); the SQLSTATE is on the cause.
  let e = err as { code?: string; constraint?: string; detail?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e.code !== "string" && depth < 5; depth++) e = e.cause as typeof e;
  if (!e || typeof e.code !== "string") return undefined;
  switch (e.code) {
    case "23505":
      return conflict(`already exists${e.constraint ? ` (${e.constraint})` : ""}`, {
        reason: "already_exists",
        cause: err,
      });
    case "23503":
      return conflict(e.message ?? "referenced row is missing or still referenced", {
        reason: "in_use",
        cause: err,
      });
    case "23514":
      return invalidInput(`check failed${e.constraint ? ` (${e.constraint})` : ""}`, undefined, "check_violation");
    case "22P02":
      return invalidInput(e.message ?? "malformed value");
    default:
      return undefined;
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return fromDatabaseError(err) ?? new AppError("internal", "internal error", { cause: err });
}
