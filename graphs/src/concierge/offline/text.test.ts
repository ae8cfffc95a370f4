// Table tests for the offline model's text handling: phrasings, stems, numbers and durations.
import { describe, expect, it } from "vitest";
import { normalize, numbersIn, quotedIn, rawTokens, stem, uuidsIn, words } from "./text.ts";

describe("stem", () => {
  it.each([
    ["instances", "instance"],
    ["machines", "machine"],
    ["policies", "policy"],
    ["stopped", "stop"],
    ["running", "run"],
    ["errored", "error"],
    ["disabled", "disable"],
    ["recovery", "recover"],
    ["assignments", "assign"],
    ["settings", "setting"],
    ["status", "status"],
    ["edge-1", "edge-1"],
  ])("%s and %s share a stem", (word, base) => {
    expect(stem(word)).toBe(stem(base));
  });
  it("keeps apart words that only look alike", () => {
    expect(stem("approval")).not.toBe(stem("approve"));
    expect(stem("settings")).not.toBe(stem("set"));
  });
});

describe("normalize", () => {
  it.each([
    ["which boxes have gone quiet", "which boxes have silent"],
    ["machines that stopped sending heartbeats", "machines that silent"],
    ["power edge-2-a back on", "start edge-2-a back"],
    ["shut down gpu-7-a", "stop gpu-7-a"],
    ["switch off nginx on edge-1", "disable nginx on edge-1"],
    ["what's waiting for my approval?", "what's pending approval?"],
    ["when did it last check in", "when did it last heartbeat"],
    ["get me a machine from pool ci-runners", "acquire instance from pool ci-runners"],
  ])("%s → %s", (text, out) => {
    expect(normalize(text)).toBe(out);
  });
});

describe("tokens and values", () => {
  it("strips punctuation and possessives but keeps names whole", () => {
    expect(rawTokens("show nginx's deps, (edge-1-a)?")).toEqual(["show", "nginx", "deps", "edge-1-a"]);
  });
  it("drops uuids and emails from scoring words, and finds them", () => {
    const text = "approve 0190aaaa-0000-4000-8000-000000000001 for ana@example.com";
    expect(words(text)).toEqual(["approv", "for"]);
    expect(uuidsIn(text)).toEqual(["0190aaaa-0000-4000-8000-000000000001"]);
  });
  it("reads quoted text", () => {
    expect(quotedIn(`nodes named "edge" or 'gpu'`)).toEqual(["edge", "gpu"]);
  });
  it.each([
    ["grow it to 4 machines", [{ value: 4, index: 3 }]],
    ["a 5 minute drain", [{ value: 5, seconds: 300, index: 1 }]],
    ["valid for an hour", [{ value: 1, seconds: 3600, index: 2 }]],
    ["wait 90s", [{ value: 90, seconds: 90, index: 1 }]],
    ["a 2-minute grace", [{ value: 2, seconds: 120, index: 1 }]],
    ["reboot edge-3 now", []],
  ])("numbers in %s", (text, expected) => {
    expect(numbersIn(rawTokens(text))).toEqual(expected);
  });
});
