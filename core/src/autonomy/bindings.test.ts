// The signal-kind → category table (spec/autonomy.md §1.3, §3.5 step 3): every row names a
// registered category and each kind appears once; the payload-dependent variants — a presumed-dead
// instance, an unhosted honeypot hit, an anycast VIP — pick their category from the payload.
import { describe, expect, it } from "vitest";
import { BINDINGS, bindSignal, unregisteredBindings } from "./bindings.ts";
import { findCategory } from "./categories.ts";

const PRESUMED_DEAD = 1800;
const categoryOf = (kind: string, payload: Record<string, unknown> = {}, presumedDeadSeconds = PRESUMED_DEAD) =>
  bindSignal({ kind, payload, presumedDeadSeconds })?.category;

describe("the binding table", () => {
  it("names only registered categories", () => {
    expect(unregisteredBindings()).toEqual([]);
    for (const b of BINDINGS) expect(findCategory(b.category), b.kind).toBeDefined();
  });

  it("binds each kind once", () => {
    const kinds = BINDINGS.map((b) => b.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it("targets by a field that is also a param, or by the condition", () => {
    for (const b of BINDINGS) {
      if (b.target.field) expect(b.params, b.kind).toContain(b.target.field);
      else expect(b.target.type, b.kind).toBe("condition");
    }
  });

  it("has no binding for a kind no sensor declares", () => {
    expect(bindSignal({ kind: "fleet.unheard_of", payload: {}, presumedDeadSeconds: PRESUMED_DEAD })).toBeUndefined();
  });
});

describe("presumed dead (§3.5 step 3)", () => {
  it.each([
    ["running, silent past presumed_dead_seconds", { status: "running", silent_seconds: 5000 }, "instance.mark_dead"],
    [
      "running, silent exactly presumed_dead_seconds",
      { status: "running", silent_seconds: 1800 },
      "instance.mark_dead",
    ],
    ["running, silent a second less", { status: "running", silent_seconds: 1799 }, "instance.recover"],
    ["not running (starting), however long", { status: "starting", silent_seconds: 90_000 }, "instance.recover"],
    ["running, no silence figure", { status: "running" }, "instance.recover"],
    ["running, silence as a string", { status: "running", silent_seconds: "5000" }, "instance.recover"],
  ])("%s → %s", (_label, payload, category) => {
    expect(categoryOf("fleet.instance_silent", payload)).toBe(category);
  });

  it("follows the account's presumed_dead_seconds", () => {
    const payload = { status: "running", silent_seconds: 600 };
    expect(categoryOf("fleet.instance_silent", payload, 300)).toBe("instance.mark_dead");
    expect(categoryOf("fleet.instance_silent", payload, 3600)).toBe("instance.recover");
  });

  it("keeps the instance as the target of the mark_dead variant", () => {
    const b = bindSignal({
      kind: "fleet.instance_silent",
      payload: { status: "running", silent_seconds: 5000 },
      presumedDeadSeconds: PRESUMED_DEAD,
    });
    expect(b).toMatchObject({
      category: "instance.mark_dead",
      target: { type: "node_instance", field: "instance_id" },
    });
  });
});

describe("honeypot and anycast VIP variants (§1.3)", () => {
  it.each([
    [
      "a honeypot hit on an instance",
      "fleet.honeypot_access",
      { instance_id: "i", module_id: "m" },
      "instance.quarantine",
    ],
    ["a honeypot hit no instance hosts", "fleet.honeypot_access", { module_id: "m" }, "fleet.investigate"],
    ["a honeypot hit with a null instance", "fleet.honeypot_access", { instance_id: null }, "fleet.investigate"],
    ["an unreachable unicast VIP", "fleet.sdwan_vip_unreachable", { anycast: false }, "sdwan.vip_failover"],
    ["a VIP without an anycast flag", "fleet.sdwan_vip_unreachable", {}, "sdwan.vip_failover"],
    ["an unreachable anycast VIP", "fleet.sdwan_vip_unreachable", { anycast: true }, "fleet.investigate"],
  ])("%s → %s", (_label, kind, payload, category) => {
    expect(categoryOf(kind, payload)).toBe(category);
  });

  it("investigates the variants by condition, with no params", () => {
    const b = bindSignal({ kind: "fleet.sdwan_vip_unreachable", payload: { anycast: true }, presumedDeadSeconds: 1 });
    expect(b).toMatchObject({ kind: "fleet.sdwan_vip_unreachable", target: { type: "condition" }, params: [] });
  });
});
