import { beforeAll, describe, expect, it } from "vitest";
import { createTestPki } from "../testing/pki-fixture.ts";
import { parseCmdline, parseShellAssignments, parseUserData } from "./parse.ts";

let caPem = "";
beforeAll(async () => {
  caPem = (await createTestPki()).caPem.trim();
});

const ID = "7f0c8a52-1d0e-4c3a-9b1e-0a2b3c4d5e6f";

describe("user data shapes", () => {
  it("reads shell lines with export, comments, quotes and an inline base64 CA", () => {
    const text = [
      "#!/bin/sh",
      "# nodepilot identity",
      `export ID="${ID}"`,
      "KEY='tok'\"'\"'en'",
      "SERVER=https://np.example:8443",
      `CA_PEM=${Buffer.from(caPem).toString("base64")}`,
      "echo unrelated command",
    ].join("\n");
    expect(parseUserData(text)).toEqual({
      instance_id: ID,
      bootstrap_token: "tok'en",
      platform_url: "https://np.example:8443",
      ca_pem: caPem,
    });
  });

  it("reads cmdline-style pairs, quoted or not, across lines", () => {
    const text = `nodepilot.instance_id=${ID} nodepilot.bootstrap_token="abc def"\nnodepilot.platform_url=https://np.example nodepilot.ca_pem=${Buffer.from(caPem).toString("base64")}`;
    expect(parseUserData(text)).toEqual({
      instance_id: ID,
      bootstrap_token: "abc def",
      platform_url: "https://np.example",
      ca_pem: caPem,
    });
  });

  it("reads JSON with a PEM CA", () => {
    const text = JSON.stringify({
      instance_id: ID,
      bootstrap_token: "t",
      platform_url: "https://np.example",
      ca_pem: caPem,
      extra: 1,
    });
    expect(parseUserData(text)).toEqual({
      instance_id: ID,
      bootstrap_token: "t",
      platform_url: "https://np.example",
      ca_pem: caPem,
    });
  });

  it("normalises all three shapes to the same fields", () => {
    const b64 = Buffer.from(caPem).toString("base64");
    const shapes = [
      `ID=${ID}\nKEY=t\nSERVER=https://np.example\nCA_PEM=${b64}`,
      `nodepilot.instance_id=${ID} nodepilot.bootstrap_token=t nodepilot.platform_url=https://np.example nodepilot.ca_pem=${b64}`,
      JSON.stringify({ instance_id: ID, bootstrap_token: "t", platform_url: "https://np.example", ca_pem: b64 }),
    ];
    const parsed = shapes.map(parseUserData);
    expect(parsed[1]).toEqual(parsed[0]);
    expect(parsed[2]).toEqual(parsed[0]);
  });

  it("returns null for empty or unrelated user data and throws on broken JSON or CA", () => {
    expect(parseUserData("")).toBeNull();
    expect(parseUserData("#cloud-config\npackages: [nginx]\n")).toBeNull();
    expect(() => parseUserData("{ not json")).toThrow(/does not parse/);
    expect(() => parseUserData(JSON.stringify({ instance_id: 5 }))).toThrow(/instance_id must be a string/);
    expect(() => parseUserData("CA_PEM=bm90IGEgY2VydA==")).toThrow(/neither PEM nor base64 PEM/);
  });
});

describe("tokenisers", () => {
  it("keeps multi-line single-quoted values verbatim", () => {
    const vars = parseShellAssignments(`A='line1\nline2'\nB="x\\"y" C=plain # trailing comment\n`);
    expect(vars.get("A")).toBe("line1\nline2");
    expect(vars.get("B")).toBe('x"y');
    expect(vars.get("C")).toBe("plain");
  });

  it("rejects an unterminated quote", () => {
    expect(() => parseShellAssignments("KEY='abc")).toThrow(/unterminated/);
  });

  it("splits a kernel cmdline with quoted values and flags", () => {
    const pairs = parseCmdline(`BOOT_IMAGE=/vmlinuz ro quiet nodepilot.platform_url="https://a b" nodepilot.x='y'`);
    expect(pairs.get("nodepilot.platform_url")).toBe("https://a b");
    expect(pairs.get("nodepilot.x")).toBe("y");
    expect(pairs.get("ro")).toBe("");
  });
});
