// The CLI's table renderer and the choice of columns for human output.
import { describe, expect, it } from "vitest";
import { chooseColumns, flatten, renderHuman } from "./render.ts";
import { formatCell, renderKeyValue, renderTable, shortTimestamp, truncate } from "./table.ts";

describe("table", () => {
  it("aligns columns under an upper-case header without trailing spaces", () => {
    const out = renderTable(
      [
        { id: "a", name: "edge-1", enabled: true },
        { id: "bbbb", name: "x", enabled: false },
      ],
      ["id", "name", "enabled"],
    );
    expect(out).toBe(["ID    NAME    ENABLED", "a     edge-1  true", "bbbb  x       false", ""].join("\n"));
  });

  it("truncates long cells with an ellipsis but keeps a full UUID", () => {
    const id = "0190a0a0-0000-7000-8000-000000000001";
    const out = renderTable([{ id, note: "x".repeat(80) }], ["id", "note"]);
    expect(out).toContain(id);
    expect(out).toContain(`${"x".repeat(39)}…`);
    expect(out).not.toContain("x".repeat(40));
    expect(truncate("héllo wörld", 5)).toBe("héll…");
    expect(truncate("short", 5)).toBe("short");
  });

  it("shortens RFC 3339 timestamps to UTC seconds and leaves other text alone", () => {
    expect(shortTimestamp("2025-01-02T03:04:05.678Z")).toBe("2025-01-02 03:04:05Z");
    expect(shortTimestamp("2025-01-02T05:04:05+02:00")).toBe("2025-01-02 03:04:05Z");
    expect(shortTimestamp("2025-01-02")).toBe("2025-01-02");
    expect(shortTimestamp("edge-2025-01-02T03:04:05Z")).toBe("edge-2025-01-02T03:04:05Z");
    expect(renderTable([{ created_at: "2025-01-02T03:04:05.678Z" }], ["created_at"])).toContain("2025-01-02 03:04:05Z");
  });

  it("formats missing values, lists and objects, and neutralises control characters", () => {
    expect(formatCell(null)).toBe("-");
    expect(formatCell(undefined)).toBe("-");
    expect(formatCell(["a", "b"])).toBe("a, b");
    expect(formatCell([])).toBe("[]");
    expect(formatCell({ a: 1 })).toBe('{"a":1}');
    expect(formatCell(0)).toBe("0");
    expect(formatCell("evil\u001b[31mred\nline")).toBe("evil [31mred line");
  });

  it("renders key/value rows with aligned keys", () => {
    expect(
      renderKeyValue([
        ["id", "a"],
        ["description", ""],
        ["enabled", false],
      ]),
    ).toBe(["id           a", "description", "enabled      false", ""].join("\n"));
    expect(renderKeyValue([])).toBe("");
  });
});

describe("human output", () => {
  const node = (i: number) => ({
    id: `id-${i}`,
    name: `edge-${i}`,
    description: "",
    enabled: true,
    node_template_id: `tpl-${i}`,
    environment_id: null,
    public_address: null,
    config: { labels: { site: "ams" } },
    ssh_public_key: `ssh-ed25519 ${"A".repeat(68)} nodepilot@edge-${i}`,
    ssh_key_fingerprint: `SHA256:${"f".repeat(43)}`,
    version: 1,
    created_at: "2025-01-02T03:04:05.678Z",
    updated_at: "2025-01-02T03:04:05.678Z",
  });

  it("uses every scalar field when there are few", () => {
    expect(chooseColumns([{ id: "1", status: "ok", tags: ["x"], meta: { a: 1 } }])).toEqual(["id", "status"]);
  });

  it("picks a readable subset when there are many: preferred first, filled, short, created_at last", () => {
    const cols = chooseColumns([node(1), node(2)]);
    expect(cols[0]).toBe("id");
    expect(cols[1]).toBe("name");
    expect(cols.at(-1)).toBe("created_at");
    expect(cols.length).toBeLessThanOrEqual(7);
    expect(cols).toContain("node_template_id");
    expect(cols).not.toContain("ssh_public_key");
    expect(cols).not.toContain("description");
    expect(cols).not.toContain("environment_id");
    expect(cols).not.toContain("config");
  });

  it("renders a list envelope as a table and a page hint on stderr", () => {
    const out = renderHuman({ data: [node(1)], meta: { count: 1, has_more: true, next_cursor: "abc" } });
    expect(out.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+ENABLED/);
    expect(out.stdout).toContain("edge-1");
    expect(out.stderr).toBe("more results: repeat with --cursor abc\n");
    expect(renderHuman({ data: [], meta: { count: 0, has_more: false, next_cursor: null } })).toEqual({
      stdout: "(none)\n",
      stderr: "",
    });
  });

  it("renders one object as key/value rows, nested objects flattened", () => {
    expect(flatten({ a: 1, b: { c: { d: 2 }, e: {} }, f: [1] })).toEqual([
      ["a", 1],
      ["b.c.d", 2],
      ["b.e", {}],
      ["f", [1]],
    ]);
    const out = renderHuman({ data: node(1) }).stdout;
    expect(out).toMatch(/^id\s+id-1$/m);
    expect(out).toMatch(/^config\.labels\.site\s+ams$/m);
    expect(out).toMatch(/^created_at\s+2025-01-02 03:04:05Z$/m);
  });
});
