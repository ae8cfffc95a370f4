import { describe, expect, it } from "vitest";
import { clockTime, dateTime, formatDelta, formatSpan, MAX_WAIT_MS, playbackWait } from "./boot-playback";
import { replayQueryOf, withReplayQuery } from "./boot-query";

describe("playbackWait", () => {
  it("scales the real gap by the speed", () => {
    expect(playbackWait(0, 1000, 1)).toEqual({ waitMs: 1000, shortened: false });
    expect(playbackWait(0, 4000, 4)).toEqual({ waitMs: 1000, shortened: false });
    expect(playbackWait(0, 16_000, 16)).toEqual({ waitMs: 1000, shortened: false });
  });

  it("caps a long gap and says so", () => {
    expect(playbackWait(0, 3_600_000, 16)).toEqual({ waitMs: MAX_WAIT_MS, shortened: true });
    expect(playbackWait(0, MAX_WAIT_MS, 1)).toEqual({ waitMs: MAX_WAIT_MS, shortened: false });
  });

  it("never waits a negative time", () => {
    expect(playbackWait(5000, 1000, 1)).toEqual({ waitMs: 0, shortened: false });
  });
});

describe("formatting", () => {
  it("shows spans with tenths under a minute", () => {
    expect(formatSpan(0)).toBe("0.0 s");
    expect(formatSpan(420)).toBe("0.4 s");
    expect(formatSpan(12_345)).toBe("12.3 s");
    expect(formatSpan(680)).toBe("0.7 s");
    expect(formatSpan(59_960)).toBe("1 m");
    expect(formatSpan(4 * 60_000 + 5000)).toBe("4 m");
    expect(formatSpan(2 * 3_600_000 + 5 * 60_000)).toBe("2 h 5 m");
  });

  it("signs deltas", () => {
    expect(formatDelta(1200)).toBe("+1.2 s");
    expect(formatDelta(-180_000)).toBe("−3 m");
    expect(formatDelta(40)).toBe("±0.0 s");
  });

  it("prints instants in UTC, whatever the local zone", () => {
    const at = Date.parse("2025-03-01T10:04:05.678Z");
    expect(clockTime(at)).toBe("10:04:05 UTC");
    expect(dateTime(at)).toBe("2025-03-01 10:04 UTC");
  });
});

describe("replay query", () => {
  it("reads and writes the replay's parameters, keeping the others", () => {
    expect(replayQueryOf({ boot: "b1", boot_event: ["e1", "e2"], boot_compare: "1" })).toEqual({
      boot: "b1",
      event: "e1",
      compare: true,
    });
    expect(replayQueryOf({})).toEqual({ boot: null, event: null, compare: false });
    expect(withReplayQuery("?tab=x&boot=old", { boot: "b2", event: null, compare: true })).toBe(
      "?tab=x&boot=b2&boot_compare=1",
    );
    expect(withReplayQuery("?boot=b", { boot: null, event: null, compare: false })).toBe("");
  });
});
