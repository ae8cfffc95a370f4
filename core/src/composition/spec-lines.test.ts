import { describe, expect, it } from "vitest";
import { globLineError, normalizeSpecLines, packageLineError } from "./spec-lines.ts";

describe("normalizeSpecLines", () => {
  const cases: [string, string[], string[]][] = [
    ["empty", [], []],
    ["trims and drops blanks", ["  /etc/foo  ", "", "   "], ["/etc/foo"]],
    ["drops comments", ["# a comment", "/usr/bin/x"], ["/usr/bin/x"]],
    ["de-duplicates after trimming", ["/a", " /a", "/a "], ["/a"]],
    ["sorts bytewise, upper before lower", ["b", "B", "a", "/z"], ["/z", "B", "a", "b"]],
    ["sorts by UTF-8 bytes", ["é", "z", "e"], ["e", "z", "é"]],
    ["keeps inner spaces", ["/opt/my app/*"], ["/opt/my app/*"]],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => expect(normalizeSpecLines(input)).toEqual(expected));
  }
  it("is idempotent", () => {
    const once = normalizeSpecLines(["/b", "/a", " /b"]);
    expect(normalizeSpecLines(once)).toEqual(once);
  });
});

describe("packageLineError", () => {
  const cases: [string, boolean][] = [
    ["curl", true],
    ["libssl3=3.0.2-0ubuntu1.10", true],
    ["gcc:arm64", true],
    ["python3.12", true],
    ["g++", true],
    ["Curl", false],
    ["curl latest", false],
    ["=1.0", false],
    ["", true],
  ];
  for (const [line, ok] of cases) {
    it(`${JSON.stringify(line)} is ${ok ? "valid" : "invalid"}`, () => {
      expect(packageLineError(line) === undefined).toBe(ok);
    });
  }
});

describe("globLineError", () => {
  const cases: [string, boolean][] = [
    ["/etc/nginx/***", true],
    ["usr/lib/**/*.so", true],
    ["./relative", true],
    ["- /etc", false],
    ["+ /etc", false],
    ["/a\nb", false],
  ];
  for (const [line, ok] of cases) {
    it(`${JSON.stringify(line)} is ${ok ? "valid" : "invalid"}`, () => {
      expect(globLineError(line) === undefined).toBe(ok);
    });
  }
});
