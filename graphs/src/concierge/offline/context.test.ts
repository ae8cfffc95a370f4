// What earlier tool results offer to a later request, and how a request points back at them.
import { describe, expect, it } from "vitest";
import { contextEntities, newestOfKind, referenceIn, type ToolOutcome } from "./context.ts";
import { rawTokens } from "./text.ts";

const outcome = (operation: string, result: unknown, ok = true): ToolOutcome => ({
  operation,
  arguments: {},
  ok,
  result,
});

describe("contextEntities", () => {
  it("takes list items as the list's resource, newest outcome first", () => {
    const entities = contextEntities([
      outcome("node.list", { items: [{ id: "n1", name: "edge-1" }], has_more: false }),
      outcome("instance.list", {
        items: [
          { id: "i1", name: "a" },
          { id: "i2", name: "b" },
        ],
        has_more: false,
      }),
    ]);
    expect(entities.map((e) => [e.kind, e.id, e.name, e.age, e.position])).toEqual([
      ["instance", "i1", "a", 0, 0],
      ["instance", "i2", "b", 0, 1],
      ["node", "n1", "edge-1", 1, 0],
    ]);
  });
  it("reads a get as its resource, a write's result by its keys, and skips failures", () => {
    const entities = contextEntities([
      outcome("user.get", { id: "u1", email: "ana@example.com" }),
      outcome("instance.reboot", { instance: { id: "i1", name: "a" }, task: { id: "t1", command: "reboot" } }),
      outcome("node.get", { error: { code: "not_found" } }, false),
      outcome("template_module.list", { items: [{ id: "j1" }] }),
    ]);
    expect(entities.map((e) => [e.kind, e.id])).toEqual([
      ["template_module", "j1"],
      ["instance", "i1"],
      ["task", "t1"],
      ["user", "u1"],
    ]);
    expect(newestOfKind(entities, "instance").map((e) => e.id)).toEqual(["i1"]);
    expect(newestOfKind(entities, "pool")).toEqual([]);
  });
});

describe("referenceIn", () => {
  it.each([
    ["reboot the first one", { type: "ordinal", index: 0 }],
    ["cordon the second instance", { type: "ordinal", index: 1 }],
    ["and the last", { type: "ordinal", index: -1 }],
    ["events of the last hour", { type: "none" }],
    ["reboot them all", { type: "all" }],
    ["cordon it", { type: "single" }],
    ["reboot edge-1-a", { type: "none" }],
  ])("%s", (text, expected) => {
    expect(referenceIn(rawTokens(text))).toEqual(expected);
  });
});
