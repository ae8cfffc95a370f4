// Typed provider errors (spec/domain.md §4.3). Each class fixes the task `error_code` and whether a
// worker may retry, so callers branch on the class, never on provider-specific messages.
import type { ProviderType } from "./adapter.ts";

export const PROVIDER_ERROR_CODES = [
  "provider_auth_failed",
  "provider_rate_limited",
  "provider_not_found",
  "provider_quota_exceeded",
  "provider_invalid_request",
  "provider_conflict",
  "provider_timeout",
  "provider_unavailable",
  "capability_not_supported",
] as const;
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

export interface ProviderErrorOptions {
  providerType: ProviderType;
  httpStatus?: number;
  providerRequestId?: string;
  retryAfterMs?: number;
  cause?: unknown;
  /** Secret values (credentials, tokens) to blank out of the message before it is stored anywhere. */
  secrets?: readonly string[];
}

const REDACTED = "[REDACTED]";

// Shapes that are secret whatever the caller remembered to pass: bearer tokens, `key=value`
// credentials in URLs and headers, and AWS access key ids.
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [
    /\b(password|passwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret|authorization|x-amz-security-token)(["']?\s*[=:]\s*["']?)(?!(?:Bearer|Basic)\s|\[REDACTED\])[^\s"'&,;}]+/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
];

/** Removes every occurrence of the given secrets (raw and URL-encoded) and well-known secret shapes. */
export function scrubSecrets(message: string, secrets: readonly string[] = []): string {
  // Longest first, so a secret containing another is removed whole.
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let out = message;
  for (const secret of values) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(REDACTED);
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export class ProviderError extends Error {
  readonly code: ProviderErrorCode;
  readonly providerType: ProviderType;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly providerRequestId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ProviderErrorCode, retryable: boolean, message: string, opts: ProviderErrorOptions) {
    super(scrubSecrets(message, opts.secrets), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    this.providerType = opts.providerType;
    this.httpStatus = opts.httpStatus;
    this.providerRequestId = opts.providerRequestId;
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** The shape stored in a task's `last_error` / result: no cause, no secrets. */
  toJSON() {
    return {
      code: this.code,
      message: this.message,
      provider_type: this.providerType,
      retryable: this.retryable,
      ...(this.httpStatus === undefined ? {} : { http_status: this.httpStatus }),
      ...(this.providerRequestId === undefined ? {} : { provider_request_id: this.providerRequestId }),
      ...(this.retryAfterMs === undefined ? {} : { retry_after_ms: this.retryAfterMs }),
    };
  }
}

/** 401/403 or a missing credential. */
export class AuthenticationError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_auth_failed", false, message, opts);
  }
}

/** 429 or throttling; retry after `retryAfterMs` when the provider said so. */
export class RateLimitError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_rate_limited", true, message, opts);
  }
}

/** 404, or an `expectedName` mismatch (a reused id is not our instance). */
export class ResourceNotFoundError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_not_found", false, message, opts);
  }
}

/** Quota or capacity exhausted. */
export class QuotaExceededError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_quota_exceeded", false, message, opts);
  }
}

/** 400 or a bad parameter. */
export class InvalidRequestError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_invalid_request", false, message, opts);
  }
}

/** The resource is in the wrong state for the call. */
export class ConflictError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_conflict", false, message, opts);
  }
}

/** The call's deadline passed before the provider settled. */
export class ProviderTimeoutError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_timeout", true, message, opts);
  }
}

/** 5xx or a network reset. */
export class TransientProviderError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("provider_unavailable", true, message, opts);
  }
}

/** The adapter does not declare the capability the method belongs to. */
export class CapabilityNotSupportedError extends ProviderError {
  constructor(message: string, opts: ProviderErrorOptions) {
    super("capability_not_supported", false, message, opts);
  }
}
