import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  CapabilityNotSupportedError,
  ConflictError,
  InvalidRequestError,
  ProviderError,
  ProviderTimeoutError,
  QuotaExceededError,
  RateLimitError,
  ResourceNotFoundError,
  scrubSecrets,
  TransientProviderError,
} from "./errors.ts";

const base = { providerType: "aws" } as const;

describe("provider error classes", () => {
  it.each([
    [AuthenticationError, "provider_auth_failed", false],
    [RateLimitError, "provider_rate_limited", true],
    [ResourceNotFoundError, "provider_not_found", false],
    [QuotaExceededError, "provider_quota_exceeded", false],
    [InvalidRequestError, "provider_invalid_request", false],
    [ConflictError, "provider_conflict", false],
    [ProviderTimeoutError, "provider_timeout", true],
    [TransientProviderError, "provider_unavailable", true],
    [CapabilityNotSupportedError, "capability_not_supported", false],
  ] as const)("%o has code %s and retryable=%s", (Cls, code, retryable) => {
    const err = new Cls("boom", base);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.providerType).toBe("aws");
    expect(err.name).toBe(Cls.name);
  });

  it("carries http status, request id, retry-after and the cause", () => {
    const cause = new Error("socket hang up");
    const err = new RateLimitError("slow down", {
      ...base,
      httpStatus: 429,
      providerRequestId: "req-1",
      retryAfterMs: 2000,
      cause,
    });
    expect(err.cause).toBe(cause);
    expect(err.toJSON()).toEqual({
      code: "provider_rate_limited",
      message: "slow down",
      provider_type: "aws",
      retryable: true,
      http_status: 429,
      provider_request_id: "req-1",
      retry_after_ms: 2000,
    });
  });

  it("scrubs the given secrets out of the message", () => {
    const err = new AuthenticationError("key s3cr3t/+= rejected (s3cr3t%2F%2B%3D)", {
      ...base,
      secrets: ["s3cr3t/+="],
    });
    expect(err.message).toBe("key [REDACTED] rejected ([REDACTED])");
    expect(JSON.stringify(err.toJSON())).not.toContain("s3cr3t");
  });
});

describe("scrubSecrets", () => {
  it("removes longer secrets whole before shorter ones they contain", () => {
    expect(scrubSecrets("abc-abcdef", ["abc", "abcdef"])).toBe("[REDACTED]-[REDACTED]");
  });

  it("ignores empty secrets", () => {
    expect(scrubSecrets("nothing here", [""])).toBe("nothing here");
  });

  it("removes well-known secret shapes without being told", () => {
    expect(scrubSecrets("Authorization: Bearer eyJhbGciOi.x.y")).toBe("Authorization: Bearer [REDACTED]");
    expect(scrubSecrets("GET /x?token=abc123&zone=a")).toBe("GET /x?token=[REDACTED]&zone=a");
    expect(scrubSecrets('{"password": "hunter2"}')).toBe('{"password": "[REDACTED]"}');
    expect(scrubSecrets("id AKIAIOSFODNN7EXAMPLE denied")).toBe("id [REDACTED] denied");
  });
});
