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

describe("answers about gated calls", () => {
  const title = () => "Reboot an instance";
  const base = { operation: "instance.reboot", arguments: { id: "i-1" }, ok: true };

  it("says a pending call waits for another person, with the request id", () => {
    const text = composeAnswer(
      [
        {
          ...base,
          result: {
            status: "pending_approval",
            approval_request_id: "req-1",
            action_digest: "ab".repeat(32),
            expires_at: "2026-12-03T18:00:00.000Z",
            operation: "instance.reboot",
            reason: "policy p requires approval",
          },
        },
      ],
      title,
    );
    expect(text).toContain("waits for a person's approval (request `req-1`, until 2026-12-03T18:00:00.000Z)");
    expect(text).not.toContain("| field | value |");
  });

  it("describes an applied approved call by what it touched", () => {
    const text = composeAnswer(
      [
        {
          ...base,
          result: {
            status: "executed",
            execution_status: "applied",
            result: {
              operation: "instance.reboot",
              output: {
                instance: { id: "i-1", name: "web-1-a", status: "rebooting" },
                task: { id: "t-1", status: "pending" },
              },
            },
          },
        },
      ],
      title,
    );
    expect(text).toContain("Approved and carried out.");
    expect(text).toContain("**web-1-a** (`i-1`) is rebooting");
  });

  it("says a rejected call changed nothing, with the reason", () => {
    const text = composeAnswer(
      [{ ...base, result: { status: "rejected", execution_status: null, result: { reason: "not now" } } }],
      title,
    );
    expect(text).toContain("was rejected: not now; nothing was changed.");
  });
});
