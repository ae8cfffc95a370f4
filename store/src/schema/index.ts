// The whole schema, one module per domain area.
export * from "./delivery.ts";
export * from "./events.ts";
export * from "./fleet.ts";
export * from "./identity.ts";
export * from "./modules.ts";
export * from "./pools.ts";
export * from "./providers.ts";
export * from "./tasks.ts";
export * from "./tenancy.ts";
