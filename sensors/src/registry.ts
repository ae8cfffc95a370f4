// The registry of fleet sensors (spec/autonomy.md §1.1 rule 5): every sensor once, by name, in run
// order #1→#18. It is also core's SensorCatalog port, so the sensor_config.* operations and the tick
// see the same names, kinds and settings schemas. Built on demand, never at import.
import type { SensorCatalog } from "@nodepilot/core";
import { z } from "zod";
import { certExpiring } from "./cert-expiring.ts";
import { configDrift } from "./config-drift.ts";
import { sensorsTenToEighteen } from "./domain-sensors.ts";
import { externalPressure } from "./external-pressure.ts";
import { honeypotAccess } from "./honeypot-access.ts";
import { instanceSilent } from "./instance-silent.ts";
import { instanceStateDrift } from "./instance-state-drift.ts";
import { moduleDrift } from "./module-drift.ts";
import { modulePromotionReady } from "./module-promotion-ready.ts";
import type { Sensor } from "./sensor.ts";
import { sloViolation } from "./slo-violation.ts";

/** Sensors #1–#9: instances, modules, certificates, SLOs, honeypots and incoming pressure. */
export const sensorsOneToNine: readonly Sensor[] = [
  instanceSilent,
  instanceStateDrift,
  moduleDrift,
  certExpiring,
  modulePromotionReady,
  configDrift,
  sloViolation,
  honeypotAccess,
  externalPressure,
];

/** A sensor whose settings are an object schema (checked when it is registered). */
export type RegisteredSensor = Sensor<z.ZodObject>;

export interface SensorRegistry extends SensorCatalog {
  /** The sensors themselves, in run order. */
  readonly sensors: readonly RegisteredSensor[];
  list(): readonly RegisteredSensor[];
  get(name: string): RegisteredSensor | undefined;
}

/**
 * A registry over `sensors`, refusing what would make the run order or a config ambiguous: two
 * sensors with one name or one order, a kind declared twice, settings that are not an object schema
 * or whose defaults do not parse.
 */
export function createSensorRegistry(sensors: readonly Sensor[]): SensorRegistry {
  const byName = new Map<string, RegisteredSensor>();
  const orders = new Set<number>();
  const kinds = new Map<string, string>();
  for (const s of sensors) {
    if (byName.has(s.name)) throw new Error(`sensor ${s.name} is registered twice`);
    if (orders.has(s.order)) throw new Error(`sensor ${s.name} reuses run order ${s.order}`);
    if (!(s.settings instanceof z.ZodObject)) throw new Error(`sensor ${s.name}: settings must be an object schema`);
    s.settings.parse({});
    for (const kind of s.kinds) {
      const owner = kinds.get(kind);
      if (owner) throw new Error(`kind ${kind} is declared by both ${owner} and ${s.name}`);
      kinds.set(kind, s.name);
    }
    byName.set(s.name, s as RegisteredSensor);
    orders.add(s.order);
  }
  const ordered = [...byName.values()].sort((a, b) => a.order - b.order);
  return {
    sensors: ordered,
    list: () => ordered,
    get: (name) => byName.get(name),
  };
}

/** All 18 fleet sensors. */
export function fleetSensorRegistry(): SensorRegistry {
  return createSensorRegistry([...sensorsOneToNine, ...sensorsTenToEighteen]);
}
