// Table test of the size rule and the derived counts (pure, no database).
import { describe, expect, it } from "vitest";
import { derive, emptyCounts } from "./pool-schema.ts";
import { sizeErrors } from "./pool-sizes.ts";

describe("sizeErrors", () => {
  it.each([
    [{ min_size: 0, target_size: 1, max_size: 10 }, []],
    [{ min_size: 2, target_size: 2, max_size: 2 }, []],
    [{ min_size: 0, target_size: 0, max_size: 0 }, []],
    [{ min_size: 0, target_size: 11, max_size: 10 }, ["target_size"]],
    [{ min_size: 3, target_size: 2, max_size: 10 }, ["min_size"]],
    [{ min_size: 5, target_size: 4, max_size: 3 }, ["target_size", "min_size"]],
    [{ min_size: -1, target_size: 0, max_size: 0 }, ["min_size"]],
  ])("%j → %j", (sizes, fields) => {
    expect(sizeErrors(sizes).map((e) => e.path)).toEqual(fields);
  });
});

describe("derive", () => {
  it("counts the deficit against ready + warming and never below zero", () => {
    const c = { ...emptyCounts(), ready: 1, warming: 1, claimed: 3 };
    expect(derive(c, 4)).toEqual({ deficit: 2, surplus: -3 });
    expect(derive({ ...emptyCounts(), ready: 5 }, 2)).toEqual({ deficit: 0, surplus: 3 });
    expect(derive(emptyCounts(), 0)).toEqual({ deficit: 0, surplus: 0 });
  });
});
