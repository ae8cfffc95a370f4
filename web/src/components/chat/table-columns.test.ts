import { describe, expect, it } from "vitest";
import { columnsOf, entityHref, sortRows } from "./table-columns";

describe("table columns", () => {
  it("puts ids last, links entities and sorts with empties last", () => {
    expect(columnsOf([{ id: "1", zone: "z", name: "a", node_id: "n", hold: null }, { status: "x" }])).toEqual({
      columns: ["name", "status", "zone", "node_id", "id"],
      hidden: 1,
    });
    const wide = Object.fromEntries([..."abcdefghij"].map((k) => [k, 1]));
    expect(columnsOf([{ ...wide, id: "1" }]).columns).toEqual(["a", "b", "c", "d", "e", "f", "g", "id"]);
    expect(entityHref("instance_list", "id", "i1")).toBe("/instances/i1");
    expect(entityHref("instance_list", "node_id", "n1")).toBe("/nodes/n1");
    expect(entityHref("template_list", "id", "t1")).toBeNull();
    const rows = [{ n: 2 }, { n: null }, { n: 10 }, { n: 1 }];
    expect(sortRows(rows, "n", "ascending").map((r) => r.row.n)).toEqual([1, 2, 10, null]);
    expect(sortRows(rows, "n", "descending").map((r) => r.row.n)).toEqual([10, 2, 1, null]);
  });
});
