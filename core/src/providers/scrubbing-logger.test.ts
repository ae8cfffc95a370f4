import { describe, expect, it } from "vitest";
import type { ProviderLogger } from "./adapter.ts";
import { scrubbingLogger } from "./scrubbing-logger.ts";

describe("scrubbingLogger", () => {
  it("scrubs secrets from messages and nested data", () => {
    const lines: [string, string, Record<string, unknown> | undefined][] = [];
    const record = (level: string) => (msg: string, data?: Record<string, unknown>) => lines.push([level, msg, data]);
    const inner: ProviderLogger = {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    };
    const log = scrubbingLogger(inner, ["tok-123"]);
    log.warn("calling with tok-123", {
      headers: { auth: "tok-123" },
      list: ["tok-123", 7],
      err: new Error("bad tok-123"),
    });
    log.info("plain");
    expect(lines).toEqual([
      [
        "warn",
        "calling with [REDACTED]",
        { headers: { auth: "[REDACTED]" }, list: ["[REDACTED]", 7], err: "bad [REDACTED]" },
      ],
      ["info", "plain", undefined],
    ]);
  });
});
