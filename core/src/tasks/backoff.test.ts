// Retry backoff: min(30 s · 2^(attempt−1), 600 s) after the attempt that failed.
import { describe, expect, it } from "vitest";
import { retryAvailableAt } from "./backoff.ts";

describe("retryAvailableAt", () => {
  const now = new Date("2030-01-01T00:00:00.000Z");
  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [4, 240],
    [5, 480],
    [6, 600],
    [10, 600],
  ])("after attempt %i waits %i s", (attempt, seconds) => {
    expect(retryAvailableAt(now, attempt).getTime() - now.getTime()).toBe(seconds * 1000);
  });
});
