import { describe, expect, it } from "vitest";
import type { InstanceState } from "../fleet/types";
import { LIFECYCLE, type LifecycleAction, refusal } from "./lifecycle";

const admin = { scopes: ["fleet:admin"] };
const ALL = Object.keys(LIFECYCLE) as LifecycleAction[];
const allowed = (status: InstanceState, hold: { reason: string } | null = null, cordoned_at: string | null = null) =>
  ALL.filter((a) => refusal(a, { status, hold, cordoned_at }, admin) === null);

describe("lifecycle refusal", () => {
  it.each<[InstanceState, LifecycleAction[]]>([
    ["running", ["stop", "reboot", "terminate", "hold", "cordon"]],
    ["stopped", ["start", "terminate", "hold", "cordon"]],
    ["error", ["start", "terminate", "hold", "cordon"]],
    ["starting", ["stop", "terminate", "hold", "cordon"]],
    ["rebooting", ["terminate", "hold", "cordon"]],
    ["terminating", ["hold", "cordon"]],
    ["terminated", []],
  ])("%s allows exactly %j", (status, actions) => {
    expect(allowed(status)).toEqual(actions);
  });

  it("a hold blocks start, reboot and terminate but not stop", () => {
    expect(allowed("running", { reason: "forensics" })).toEqual(["stop", "release", "cordon"]);
    expect(refusal("reboot", { status: "running", hold: { reason: "forensics" }, cordoned_at: null }, admin)).toBe(
      "On hold (forensics): release the hold first",
    );
  });

  it("names the state the action needs and the missing scope", () => {
    expect(refusal("reboot", { status: "stopped", hold: null, cordoned_at: null }, admin)).toBe(
      "Reboot needs the instance running; it is stopped",
    );
    const operator = { scopes: ["fleet:write"] };
    expect(refusal("terminate", { status: "running", hold: null, cordoned_at: null }, operator)).toBe(
      "missing permission: fleet:admin",
    );
    expect(refusal("uncordon", { status: "running", hold: null, cordoned_at: "2025-01-01T00:00:00Z" }, admin)).toBe(
      null,
    );
  });
});
