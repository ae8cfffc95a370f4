import { describe, expect, it } from "vitest";
import { nextDelay, parseRetryAfter, ROTATION_BACKOFF } from "./backoff.ts";

describe("nextDelay", () => {
  it("grows the full-jitter ceiling as base·2^attempt", () => {
    const top = () => 0.999999;
    expect(nextDelay(0, top)).toBe(999);
    expect(nextDelay(1, top)).toBe(1999);
    expect(nextDelay(4, top)).toBe(15_999);
  });

  it("caps at 5 minutes however many attempts", () => {
    expect(nextDelay(9, () => 0.999999)).toBe(299_999);
    expect(nextDelay(1_000, () => 0.999999)).toBe(299_999);
  });

  it("is full jitter: anywhere from 0 to the ceiling", () => {
    expect(nextDelay(5, () => 0)).toBe(0);
    expect(nextDelay(5, () => 0.5)).toBe(16_000);
  });

  it("lets Retry-After win, even above the cap or at zero", () => {
    expect(nextDelay(0, () => 0.9, 7_000)).toBe(7_000);
    expect(nextDelay(20, () => 0.9, 900_000)).toBe(900_000);
    expect(nextDelay(3, () => 0.9, 0)).toBe(0);
  });

  it("supports the rotation policy (1 min up to 1 h)", () => {
    expect(nextDelay(0, () => 0.999999, undefined, ROTATION_BACKOFF)).toBe(59_999);
    expect(nextDelay(12, () => 0.5, undefined, ROTATION_BACKOFF)).toBe(1_800_000);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2025-01-01T00:00:00Z");
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("12", now)).toBe(12_000);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});
