// Credential redaction and the 16 KB cut applied to what holders report.
import { describe, expect, it } from "vitest";
import { MAX_ERROR_MESSAGE_BYTES, redactDeep, redactSecrets, sanitizeErrorMessage, truncateUtf8 } from "./redact.ts";

const PEM =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUJDREVG\n-----END OPENSSH PRIVATE KEY-----";

describe("redactSecrets", () => {
  it.each([
    ["token npt_AbC123_xyz-9 leaked", "npt_AbC123_xyz-9", "npt_[REDACTED]"],
    ["Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi.payload.sig", "Bearer [REDACTED]"],
    ["login failed password=hunter2 for root", "hunter2", "password=[REDACTED]"],
    ['{"password": "s3cr3t!"}', "s3cr3t!", '"password": "[REDACTED]"'],
    ["PASSWORD: Tr0ub4dor", "Tr0ub4dor", "PASSWORD: [REDACTED]"],
    ["api_key=AKIAXYZ123 region", "AKIAXYZ123", "api_key=[REDACTED]"],
    ["fetch https://deploy:gh0st@git.example.com/repo failed", "gh0st", "https://deploy:[REDACTED]@git.example.com"],
    [`key:\n${PEM}\nend`, "b3BlbnNzaC1rZXktdjEAAAAA", "[REDACTED PRIVATE KEY]"],
  ])("redacts %j", (input, secret, marker) => {
    const out = redactSecrets(input);
    expect(out).not.toContain(secret);
    expect(out).toContain(marker);
  });

  it("redacts a private key block cut off before its END line", () => {
    const out = redactSecrets("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA");
    expect(out).toBe("[REDACTED PRIVATE KEY]");
  });

  it("keeps ordinary text, including public keys and certificates", () => {
    const text = "exit 1: unit nginx.service failed; -----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----";
    expect(redactSecrets(text)).toBe(text);
    expect(redactSecrets("3 passwords rotated")).toBe("3 passwords rotated");
    expect(redactSecrets("Bearer token missing")).toBe("Bearer token missing");
  });

  it("redacts strings anywhere inside a result", () => {
    const out = redactDeep({ exit_code: 0, stdout_tail: "using npt_secretvalue", nested: [{ s: "password=x1" }] });
    expect(out).toEqual({ exit_code: 0, stdout_tail: "using npt_[REDACTED]", nested: [{ s: "password=[REDACTED]" }] });
  });
});

describe("error message size", () => {
  it("cuts to 16 KB of UTF-8 without splitting a character and marks the cut", () => {
    const long = "é".repeat(20_000);
    const out = sanitizeErrorMessage(long);
    expect(Buffer.byteLength(out, "utf8")).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
    expect(out.endsWith("…[truncated]")).toBe(true);
    expect(out).not.toContain("\uFFFD");
  });

  it("leaves short messages whole and redacts before cutting", () => {
    expect(truncateUtf8("short", 100)).toBe("short");
    const secretAtCut = `${"x".repeat(MAX_ERROR_MESSAGE_BYTES - 10)} npt_abcdefghijklmnopqrstuvwxyz`;
    expect(sanitizeErrorMessage(secretAtCut)).not.toContain("npt_abc");
  });
});
