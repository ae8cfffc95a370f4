import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_BYTES, validateSignals } from "./signal.ts";

const base = {
  kind: "fleet.instance_silent",
  severity: "medium",
  sensor: "instance_silent",
  fingerprint: "instance_silent:0190aaaa-0000-7000-8000-000000000001",
  payload: { silent_seconds: 200 },
  refs: {},
};

describe("validateSignals", () => {
  it("accepts a valid signal and stamps _sensor into its payload", () => {
    const out = validateSignals("instance_silent", ["fleet.instance_silent"], [base]);
    expect(out.rejected).toEqual([]);
    expect(out.accepted[0]?.payload).toEqual({ silent_seconds: 200, _sensor: "instance_silent" });
  });

  it.each([
    ["bad severity", { ...base, severity: "urgent" }, "severity"],
    ["empty fingerprint", { ...base, fingerprint: "" }, "fingerprint"],
    ["whitespace in fingerprint", { ...base, fingerprint: "a b" }, "fingerprint"],
    ["fingerprint over 255", { ...base, fingerprint: "x".repeat(256) }, "fingerprint"],
    ["undeclared kind", { ...base, kind: "fleet.module_drift" }, "kind"],
    ["another sensor's name", { ...base, sensor: "module_drift" }, "sensor"],
    ["oversized payload", { ...base, payload: { blob: "x".repeat(MAX_PAYLOAD_BYTES) } }, "payload"],
  ])("drops a signal with %s, naming the field", (_label, signal, field) => {
    const out = validateSignals("instance_silent", ["fleet.instance_silent"], [signal]);
    expect(out.accepted).toEqual([]);
    expect(out.rejected[0]?.reason.startsWith(field)).toBe(true);
  });

  it("keeps the most severe of duplicates in one tick", () => {
    const out = validateSignals(
      "instance_silent",
      ["fleet.instance_silent"],
      [base, { ...base, severity: "critical" }, { ...base, severity: "high" }],
    );
    expect(out.accepted).toHaveLength(1);
    expect(out.accepted[0]?.severity).toBe("critical");
  });
});
