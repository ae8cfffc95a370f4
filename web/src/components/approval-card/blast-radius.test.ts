import { describe, expect, it } from "vitest";
import { blastTargetOf, countPages, countText, instanceRefOf, moreText, plannedRadiusOf } from "./blast-radius";

describe("blast radius", () => {
  it("reads instances and nodes, and nothing it cannot for other targets", () => {
    expect(blastTargetOf({ type: "instance", id: "i" })).toEqual({ kind: "instance", id: "i" });
    expect(blastTargetOf({ type: "node_instance", id: "i" })).toEqual({ kind: "instance", id: "i" });
    expect(blastTargetOf({ type: "node", id: "n" })).toEqual({ kind: "node", id: "n" });
    expect(blastTargetOf({ type: "operation", id: "fleet.tick" })).toEqual({
      kind: "other",
      type: "operation",
      id: "fleet.tick",
    });
  });

  it("shows the first ten and counts the rest exactly when every page was read", () => {
    const items = Array.from({ length: 13 }, (_, i) => i);
    const all = countPages([{ data: items, has_more: false }]);
    expect(all).toMatchObject({ read: 13, exact: true });
    expect(all.shown).toHaveLength(10);
    expect(moreText(all)).toBe("3 more");
    expect(countText(all, "instance")).toBe("13 instances");
    const few = countPages([{ data: [1], has_more: false }]);
    expect(moreText(few)).toBeNull();
    expect(countText(few, "instance")).toBe("1 instance");
    expect(countText(countPages([]), "instance")).toBe("0 instances");
  });

  it("gives a lower bound, never a guess, when pages were left unread", () => {
    const cut = countPages([
      { data: Array.from({ length: 200 }, (_, i) => i), has_more: true },
      { data: Array.from({ length: 200 }, (_, i) => i), has_more: true },
    ]);
    expect(cut.exact).toBe(false);
    expect(moreText(cut)).toBe("at least 390 more");
    expect(countText(cut, "instance")).toBe("at least 400 instances");
  });

  it("takes an instance from the API's output, or nothing", () => {
    expect(instanceRefOf({ id: "i", name: "edge-1", status: "running", node_id: "n", environment_id: null })).toEqual({
      id: "i",
      name: "edge-1",
      status: "running",
      node_id: "n",
      environment_id: null,
    });
    expect(instanceRefOf({ id: "i" })).toBeNull();
  });

  it("takes a bulk call's reach from the plan, as the gate read it", () => {
    const plan = {
      blast_radius: {
        instance_count: 12,
        instances: [
          ...Array.from({ length: 11 }, (_, i) => ({ id: `i${i}`, name: `web-${i}`, node_id: "n" })),
          { id: "gone", name: null, node_id: null },
        ],
      },
    };
    const planned = plannedRadiusOf(plan)!;
    expect(planned).toMatchObject({ read: 12, exact: true });
    expect(planned.shown).toHaveLength(10);
    expect(planned.shown[0]).toEqual({ id: "i0", name: "web-0", node_id: "n" });
    expect(countText(planned, "instance")).toBe("12 instances");
    expect(moreText(planned)).toBe("2 more");
    expect(plannedRadiusOf({ blast_radius: { instances: [{ id: "x" }] } })!.shown).toEqual([
      { id: "x", name: null, node_id: null },
    ]);
    expect(plannedRadiusOf(null)).toBeNull();
    expect(plannedRadiusOf({ requested_via: "chat" })).toBeNull();
    expect(plannedRadiusOf({ blast_radius: { instance_count: 3 } })).toBeNull();
  });
});
