import { findCategory } from "@nodepilot/core";
import { describe, expect, it } from "vitest";
import { decayed, type IncomingPressure, type ThrottleInput, throttle } from "./throttle.ts";

const now = new Date("2026-12-02T12:00:00Z");
const sig = (strength: number, o: Partial<IncomingPressure> = {}): IncomingPressure => ({
  strength,
  decay_rate: 0,
  emitted_at: now,
  expires_at: new Date(now.getTime() + 1800_000),
  scope: {},
  ...o,
});
const base = (o: Partial<ThrottleInput> = {}): ThrottleInput => ({
  category: findCategory("module.sync")!,
  severity: "medium",
  signals: [],
  now,
  moduleIds: ["m1"],
  region: null,
  threshold: 1,
  maxDeferSeconds: 600,
  maxCumulativeDeferSeconds: 3600,
  cumulativeDeferredSeconds: 0,
  ...o,
});

describe("throttle", () => {
  it("defers a deferrable action when the aggregate reaches the threshold, for ceil(A·60) s capped", () => {
    expect(throttle(base({ signals: [sig(0.6), sig(0.5)] }))).toEqual({
      effect: "defer",
      aggregate: 1.1,
      defer_seconds: 66,
    });
    expect(throttle(base({ signals: [sig(5), sig(5), sig(5)] }))).toMatchObject({
      effect: "defer",
      defer_seconds: 600,
    });
    expect(throttle(base({ signals: [sig(0.9)] }))).toMatchObject({
      effect: "none",
      reason: "below_threshold",
      aggregate: 0.9,
    });
  });

  it("ignores signals under 0.5, expired, decayed away, or scoped elsewhere", () => {
    const expired = sig(3, { expires_at: now });
    const faded = sig(3, { decay_rate: 0.5, emitted_at: new Date(now.getTime() - 10 * 60_000) });
    const weak = sig(0.49);
    const otherModule = sig(3, { scope: { module_id: "m2" } });
    const otherCategory = sig(3, { scope: { categories: ["config.apply"] } });
    const otherRegion = sig(3, { scope: { region: "eu" } });
    const result = throttle(
      base({ signals: [expired, faded, weak, weak, weak, otherModule, otherCategory, otherRegion] }),
    );
    expect(result).toMatchObject({ effect: "none", reason: "below_threshold", aggregate: 0 });
    expect(decayed(faded, now)).toBeLessThan(0.05);
    expect(
      throttle(base({ signals: [sig(3, { scope: { module_id: "m1", categories: ["module.sync"] } })] })),
    ).toMatchObject({
      effect: "defer",
    });
  });

  it("never defers what is not deferrable, nor critical signals (cert.rotate: high and up)", () => {
    const strong = [sig(5)];
    expect(throttle(base({ signals: strong, category: findCategory("instance.mark_dead")! }))).toMatchObject({
      reason: "not_deferrable",
    });
    expect(throttle(base({ signals: strong, severity: "critical" }))).toMatchObject({ reason: "critical_bypass" });
    const cert = findCategory("cert.rotate")!;
    expect(throttle(base({ signals: strong, category: cert, severity: "high" }))).toMatchObject({
      reason: "critical_bypass",
    });
    expect(throttle(base({ signals: strong, category: cert, severity: "medium" }))).toMatchObject({ effect: "defer" });
  });

  it("asks for approval once the condition would pass its cumulative deferral", () => {
    expect(throttle(base({ signals: [sig(2)], cumulativeDeferredSeconds: 3500 }))).toEqual({
      effect: "require_approval",
      aggregate: 2,
      reason: "deferred_too_long",
    });
    expect(throttle(base({ signals: [sig(2)], cumulativeDeferredSeconds: 3480 }))).toMatchObject({
      effect: "defer",
      defer_seconds: 120,
    });
  });
});
