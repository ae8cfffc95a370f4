// Per-account sensor thresholds (spec/autonomy.md §1.1 rule 6): list, read and change a sensor's
// enabled flag and settings. The sensors live in @nodepilot/sensors, which core may not import, so
// core defines the port (SensorCatalog: names, run order, kinds and settings schemas) and the
// composition root fills Services.sensors from the sensors package. Writes partial-merge over the
// stored overrides; an unknown key or a value ≤ 0 is invalid_input naming the field, an unknown
// sensor not_found. The effective value of a key is the override, else the sensor's default.
import { type DbOrTx, fleet_sensor_configs } from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { OpContext, SensorCatalog, SensorDescriptor, Services } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { AppError, type FieldError, invalidInput, notFound } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { NullableTimestamp } from "../schemas/common.ts";

type ConfigRow = typeof fleet_sensor_configs.$inferSelect;

export interface EffectiveSensorConfig {
  enabled: boolean;
  /** Defaults overlaid with the account's overrides, parsed by the sensor's schema. */
  settings: Record<string, unknown>;
  overrides: Record<string, unknown>;
}

/**
 * A sensor's effective configuration from its stored row. Overrides of keys the sensor no longer
 * has (a renamed setting) are ignored rather than failing the sensor.
 */
export function effectiveSensorConfig(sensor: SensorDescriptor, row: ConfigRow | undefined): EffectiveSensorConfig {
  const stored = row?.settings ?? {};
  const overrides = Object.fromEntries(Object.entries(stored).filter(([k]) => k in sensor.settings.shape));
  return {
    enabled: row?.enabled ?? true,
    settings: sensor.settings.parse(overrides) as Record<string, unknown>,
    overrides,
  };
}

/** Every stored sensor configuration of an account, by sensor name (one query, for the tick). */
export async function loadSensorConfigs(db: DbOrTx, accountId: string): Promise<Map<string, ConfigRow>> {
  const rows = await db.select().from(fleet_sensor_configs).where(eq(fleet_sensor_configs.account_id, accountId));
  return new Map(rows.map((r) => [r.sensor, r]));
}

function catalogOf(services: Services): SensorCatalog {
  if (!services.sensors) {
    throw new AppError("unavailable", "this process was started without the sensor catalog", {
      reason: "sensors_unavailable",
    });
  }
  return services.sensors;
}

function sensorOf(ctx: OpContext, name: string): SensorDescriptor {
  const sensor = catalogOf(ctx.services).get(name);
  if (!sensor) throw notFound("sensor", name);
  return sensor;
}

const SensorConfigSchema = z.strictObject({
  sensor: z.string(),
  order: z.number().int(),
  kinds: z.array(z.string()),
  enabled: z.boolean(),
  settings: z.record(z.string(), z.unknown()).describe("Effective values: the overrides over the defaults."),
  overrides: z.record(z.string(), z.unknown()).describe("Only the keys this account changed."),
  defaults: z.record(z.string(), z.unknown()),
  updated_by: z.string().nullable(),
  updated_at: NullableTimestamp,
  version: z.number().int().describe("0 until the account changed something."),
});

function configOut(sensor: SensorDescriptor, row: ConfigRow | undefined): z.infer<typeof SensorConfigSchema> {
  const effective = effectiveSensorConfig(sensor, row);
  return {
    sensor: sensor.name,
    order: sensor.order,
    kinds: [...sensor.kinds],
    ...effective,
    defaults: sensor.settings.parse({}) as Record<string, unknown>,
    updated_by: row?.updated_by ?? null,
    updated_at: row ? row.updated_at.toISOString() : null,
    version: row?.version ?? 0,
  };
}

const SensorName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, "a sensor name like instance_silent")
  .describe("The sensor, e.g. instance_silent or cert_expiring.");

export const sensorConfigList = defineOperation({
  name: "sensor_config.list",
  title: "List the fleet sensors and their thresholds",
  description:
    "The 18 fleet sensors in run order, each with the signal kinds it emits, whether it is enabled for this account, its effective settings (thresholds and windows), the overrides this account set and the defaults. A disabled sensor emits nothing.",
  examples: [
    { phrase: "which sensors are enabled", input: {} },
    { phrase: "show the sensor thresholds", input: {} },
  ],
  input: z.strictObject({}),
  output: z.strictObject({ items: z.array(SensorConfigSchema) }),
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/autonomy/sensors" },
  async execute(ctx) {
    const sensors = catalogOf(ctx.services).list();
    const rows = await loadSensorConfigs(ctx.db, ctx.principal.accountId);
    return { items: sensors.map((s) => configOut(s, rows.get(s.name))) };
  },
});

export const sensorConfigGet = defineOperation({
  name: "sensor_config.get",
  title: "Show one sensor's thresholds",
  description:
    "One fleet sensor's configuration for this account: enabled, effective settings, this account's overrides, the defaults, and who changed them last.",
  examples: [
    { phrase: "what is the silent threshold", input: { sensor: "instance_silent" } },
    { phrase: "show cert_expiring settings", input: { sensor: "cert_expiring" } },
  ],
  input: z.strictObject({ sensor: SensorName }),
  output: SensorConfigSchema,
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/autonomy/sensors/:sensor" },
  async execute(ctx, input) {
    const sensor = sensorOf(ctx, input.sensor);
    const [row] = await ctx.db
      .select()
      .from(fleet_sensor_configs)
      .where(
        and(eq(fleet_sensor_configs.account_id, ctx.principal.accountId), eq(fleet_sensor_configs.sensor, sensor.name)),
      );
    return configOut(sensor, row);
  },
});

/** Validates a partial settings write key by key, so every bad key is named; null resets a key. */
function mergeSettings(
  sensor: SensorDescriptor,
  stored: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const errors: FieldError[] = [];
  const next: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    const field = sensor.settings.shape[key] as z.ZodType | undefined;
    if (!field) {
      errors.push({ path: `settings.${key}`, message: `${sensor.name} has no setting "${key}"` });
      continue;
    }
    if (value === null) {
      delete next[key];
      continue;
    }
    const parsed = field.safeParse(value);
    if (!parsed.success) {
      errors.push({ path: `settings.${key}`, message: parsed.error.issues[0]?.message ?? "invalid value" });
      continue;
    }
    next[key] = parsed.data;
  }
  if (errors.length > 0) throw invalidInput(`${errors[0]!.path}: ${errors[0]!.message}`, errors);
  return next;
}

export const sensorConfigUpdate = defineOperation({
  name: "sensor_config.update",
  title: "Change a sensor's thresholds or enable/disable it",
  description:
    "Change one fleet sensor's configuration for this account. `settings` is merged into the existing overrides: only the keys given change, null resets a key to its default. Every setting is a positive number; an unknown key or a value ≤ 0 is refused naming the field. enabled=false stops the sensor emitting anything (its open conditions are left as they are). Takes effect at the next tick.",
  examples: [
    {
      phrase: "call an instance silent after 5 minutes",
      input: { sensor: "instance_silent", settings: { silent_threshold_seconds: 300 } },
    },
    { phrase: "turn off the honeypot sensor", input: { sensor: "honeypot_access", enabled: false } },
  ],
  input: z.strictObject({
    sensor: SensorName,
    enabled: z.boolean().optional(),
    settings: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Keys to change; values are positive numbers, null resets a key to its default."),
  }),
  output: SensorConfigSchema,
  scope: "autonomy:write",
  effect: "write",
  actionCategory: "autonomy.configure",
  idempotent: true,
  http: { method: "PATCH", path: "/autonomy/sensors/:sensor" },
  async execute(ctx, input) {
    const sensor = sensorOf(ctx, input.sensor);
    const accountId = ctx.principal.accountId;
    const [current] = await ctx.db
      .select()
      .from(fleet_sensor_configs)
      .where(and(eq(fleet_sensor_configs.account_id, accountId), eq(fleet_sensor_configs.sensor, sensor.name)))
      .for("update");
    const before = effectiveSensorConfig(sensor, current);
    const overrides = mergeSettings(sensor, current?.settings ?? {}, input.settings ?? {});
    const enabled = input.enabled ?? before.enabled;
    const values = {
      enabled,
      settings: overrides,
      updated_by: ctx.principal.userId ?? `${ctx.principal.actorType}:${ctx.principal.actorId}`,
      updated_at: ctx.now,
    };
    const [row] = await ctx.db
      .insert(fleet_sensor_configs)
      .values({ account_id: accountId, sensor: sensor.name, ...values })
      .onConflictDoUpdate({
        target: [fleet_sensor_configs.account_id, fleet_sensor_configs.sensor],
        set: { ...values, version: sql`${fleet_sensor_configs.version} + 1` },
      })
      .returning();
    const after = effectiveSensorConfig(sensor, row);
    const changed = Object.keys(after.settings).filter((k) => after.settings[k] !== before.settings[k]);
    await emitEvent(ctx.db, ctx, {
      kind: "autonomy.sensor_config_updated",
      severity: enabled !== before.enabled ? "medium" : "low",
      payload: {
        sensor: sensor.name,
        enabled,
        ...(enabled !== before.enabled ? { enabled_before: before.enabled } : {}),
        changed: Object.fromEntries(changed.map((k) => [k, { from: before.settings[k], to: after.settings[k] }])),
        version: row!.version,
      },
    });
    return configOut(sensor, row);
  },
});

export const sensorConfigOperations = [sensorConfigList, sensorConfigGet, sensorConfigUpdate] as const;
