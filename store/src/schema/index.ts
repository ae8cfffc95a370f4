// The whole schema, one module per domain area.
export * from "./autonomy-modules.ts";
export * from "./autonomy-pressure.ts";
export * from "./autonomy-settings.ts";
export * from "./autonomy-ticks.ts";
export * from "./delivery.ts";
export * from "./events.ts";
export * from "./fleet.ts";
export * from "./identity.ts";
export * from "./jobs.ts";
export * from "./modules.ts";
export * from "./pools.ts";
export * from "./providers.ts";
export * from "./tasks.ts";
export * from "./tenancy.ts";
