import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref, splitRow } from "./markdown-parse";

describe("parseInline", () => {
  it("reads bold, emphasis and code, and leaves snake_case alone", () => {
    expect(parseInline("**3** silent on `edge-1`, see instance_list")).toEqual([
      { type: "strong", children: [{ type: "text", text: "3" }] },
      { type: "text", text: " silent on " },
      { type: "code", text: "edge-1" },
      { type: "text", text: ", see instance_list" },
    ]);
    expect(parseInline("_really_")).toEqual([{ type: "em", children: [{ type: "text", text: "really" }] }]);
  });

  it("keeps HTML as text and drops unsafe link targets", () => {
    expect(parseInline("<img src=x onerror=alert(1)>")).toEqual([
      { type: "text", text: "<img src=x onerror=alert(1)>" },
    ]);
    expect(parseInline("[click](javascript:alert(1))")).toEqual([{ type: "text", text: "click" }]);
    expect(parseInline("[node](/nodes/1)")).toEqual([
      { type: "link", href: "/nodes/1", children: [{ type: "text", text: "node" }] },
    ]);
    expect(safeHref("data:text/html,x")).toBeNull();
    expect(safeHref("//evil.example")).toBeNull();
  });
});

describe("parseMarkdown", () => {
  it("turns a pipe table into header, alignment and rows", () => {
    const [table] = parseMarkdown("| name | status |\n|:--|--:|\n| a | `x\\|y` |\n| b | running |");
    expect(table).toMatchObject({
      type: "table",
      header: [[{ type: "text", text: "name" }], [{ type: "text", text: "status" }]],
      align: ["left", "right"],
    });
    expect(table?.type === "table" && table.rows.length).toBe(2);
    expect(splitRow("| a | `x|y` | c\\|d |")).toEqual(["a", "`x|y`", "c|d"]);
  });

  it("reads paragraphs, lists with nesting and code fences, including an unclosed fence", () => {
    const blocks = parseMarkdown(
      "Intro line\nsecond line\n\n- one\n- two\n  - two.a\n\n1. first\n2. second\n\n```sh\nls -l",
    );
    expect(blocks.map((b) => b.type)).toEqual(["paragraph", "list", "list", "code"]);
    const bullets = blocks[1];
    expect(bullets?.type === "list" && bullets.items.length).toBe(2);
    expect(bullets?.type === "list" && bullets.items[1]?.map((b) => b.type)).toEqual(["paragraph", "list"]);
    expect(blocks[2]).toMatchObject({ type: "list", ordered: true, start: 1 });
    expect(blocks[3]).toEqual({ type: "code", lang: "sh", text: "ls -l" });
  });

  it("does not read a dash in prose as a table", () => {
    expect(parseMarkdown("a | b\nnot - a delimiter").map((b) => b.type)).toEqual(["paragraph"]);
  });
});
