// The sensor registry: all 18 sensors once, in order #1→#18, every kind fleet.-prefixed and owned
// by one sensor, every default parsing; and the refusals that keep the run order unambiguous.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { instanceSilent } from "./instance-silent.ts";
import { createSensorRegistry, fleetSensorRegistry } from "./registry.ts";
import type { Sensor } from "./sensor.ts";

const fake = (o: Partial<Sensor>): Sensor => ({ ...instanceSilent, ...o }) as Sensor;

describe("fleet sensor registry", () => {
  it("holds the 18 sensors in run order with declared fleet kinds", () => {
    const registry = fleetSensorRegistry();
    expect(registry.list().map((s) => s.order)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    for (const s of registry.list()) {
      expect(registry.get(s.name)).toBe(s);
      expect(s.kinds.length).toBeGreaterThan(0);
      for (const kind of s.kinds) expect(kind).toMatch(/^fleet\.[a-z0-9_]+$/);
      // Every default is a positive number, so the "value ≤ 0" rule covers every setting.
      for (const value of Object.values(s.settings.parse({}) as Record<string, unknown>)) {
        expect(typeof value === "number" && value > 0).toBe(true);
      }
    }
    expect(registry.get("nope")).toBeUndefined();
  });

  it.each([
    ["a duplicate name", [instanceSilent, fake({ order: 2 })], /registered twice/],
    ["a duplicate order", [instanceSilent, fake({ name: "other", kinds: ["fleet.other"] })], /run order 1/],
    ["a kind declared twice", [instanceSilent, fake({ name: "other", order: 2 })], /declared by both/],
    ["settings that are not an object", [fake({ settings: z.number().default(1) as never })], /object schema/],
  ])("refuses %s", (_l, sensors, message) => {
    expect(() => createSensorRegistry(sensors as Sensor[])).toThrow(message);
  });
});
