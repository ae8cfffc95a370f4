// The sign-in failure limiter: a key is refused after maxFailures inside its window, with the seconds
// left, and is free again once the window has passed or it is cleared.
import { describe, expect, it } from "vitest";
import { FailureLimiter } from "./failure-limiter.ts";

describe("failure limiter", () => {
  it("refuses a key after its failures fill the window, then lets it go", () => {
    const limiter = new FailureLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter("a", 1000)).toBe(0);
      limiter.fail("a", 1000);
    }
    expect(limiter.retryAfter("a", 1000)).toBe(60);
    expect(limiter.retryAfter("a", 31_000)).toBe(30);
    expect(limiter.retryAfter("b", 1000)).toBe(0);
    expect(limiter.retryAfter("a", 61_000)).toBe(0);
    limiter.fail("a", 61_000);
    expect(limiter.retryAfter("a", 61_000)).toBe(0);
  });

  it("forgets a cleared key", () => {
    const limiter = new FailureLimiter(1, 60_000);
    limiter.fail("a", 0);
    expect(limiter.retryAfter("a", 0)).toBe(60);
    limiter.clear("a");
    expect(limiter.retryAfter("a", 0)).toBe(0);
  });
});
