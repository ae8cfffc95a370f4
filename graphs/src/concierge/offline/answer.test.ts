// The offline model's replies from tool results: it says what it is, lists become tables, objects
// become field/value tables, writes say what they touched, failures carry the error code.
import { describe, expect, it } from "vitest";
import { composeAnswer, OFFLINE_PREFACE } from "./answer.ts";
import type { ToolOutcome } from "./context.ts";

const titleOf = (op: string) =>
  ({ "instance.list": "List instances", "instance.reboot": "Reboot an instance" })[op] ?? op;

describe("composeAnswer", () => {
  it("starts by saying it is the offline model and shows a list as a table", () => {
    const listed: ToolOutcome = {
      operation: "instance.list",
      arguments: { silent: true },
      ok: true,
      result: {
        items: [
          { id: "i1", name: "edge-2-a", status: "running", config: { a: 1 } },
          { id: "i2", name: "gpu|7", status: "running", config: {} },
        ],
        has_more: true,
        next_cursor: "c",
      },
    };
    const text = composeAnswer([listed], titleOf);
    expect(text.startsWith(OFFLINE_PREFACE)).toBe(true);
    expect(text).toContain("**List instances** — `instance.list` (silent: true): 2 instances. More exist");
    expect(text).toContain(
      "| name | status | id |\n| --- | --- | --- |\n| edge-2-a | running | i1 |\n| gpu\\|7 | running | i2 |",
    );
  });

  it("says when nothing matched", () => {
    const text = composeAnswer(
      [{ operation: "instance.list", arguments: {}, ok: true, result: { items: [] } }],
      titleOf,
    );
    expect(text).toContain("nothing matched");
  });

  it("shows what a write touched, and a failure's code and message", () => {
    const text = composeAnswer(
      [
        {
          operation: "instance.reboot",
          arguments: { id: "i1" },
          ok: true,
          result: {
            instance: { id: "i1", name: "edge-2-a", status: "rebooting" },
            task: { id: "t1", command: "reboot", status: "pending" },
          },
        },
        {
          operation: "instance.reboot",
          arguments: { id: "i2" },
          ok: false,
          result: { error: { code: "conflict", message: "instance gpu-7-a is held" } },
        },
      ],
      titleOf,
    );
    expect(text).toContain("I made 2 calls, 1 of them failed.");
    expect(text).toContain("- instance **edge-2-a** (`i1`) is rebooting");
    expect(text).toContain("- task **reboot** (`t1`) is pending");
    expect(text).toContain("failed with `conflict`: instance gpu-7-a is held.");
  });

  it("shows one object as fields, nested objects one level deep", () => {
    const text = composeAnswer(
      [
        {
          operation: "fleet_summary.get",
          arguments: {},
          ok: true,
          result: { nodes: { total: 3 }, approvals: { pending: 1 }, as_of: "t" },
        },
      ],
      titleOf,
    );
    expect(text).toContain("| nodes.total | 3 |");
    expect(text).toContain("| approvals.pending | 1 |");
  });
});
