// Build-time coverage of the engine's routing (spec/autonomy.md §1.3, §3.5 step 3): every kind any
// registered sensor may emit has a binding to a registered category, and the table binds nothing
// no sensor emits. It lives here because core, which holds the table, cannot see the sensors.
import { BINDINGS, bindSignal, findCategory, unregisteredBindings } from "@nodepilot/core";
import { describe, expect, it } from "vitest";
import { fleetSensorRegistry } from "./registry.ts";

const declared = () =>
  fleetSensorRegistry()
    .list()
    .flatMap((s) => s.kinds.map((kind) => ({ sensor: s.name, kind })));

describe("sensor kinds ↔ bindings", () => {
  it.each(declared())("$sensor's $kind is bound to a registered category", ({ kind }) => {
    const binding = bindSignal({ kind, payload: {}, presumedDeadSeconds: 1800 });
    expect(binding, `${kind} has no binding`).toBeDefined();
    expect(findCategory(binding!.category), `${kind} → ${binding!.category}`).toBeDefined();
  });

  it("binds exactly the declared kinds, every category registered", () => {
    expect(BINDINGS.map((b) => b.kind).sort()).toEqual(
      declared()
        .map((d) => d.kind)
        .sort(),
    );
    expect(unregisteredBindings()).toEqual([]);
  });
});
