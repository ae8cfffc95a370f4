// @nodepilot/server: the composition root and HTTP surface, for the CLI, tests and benchmarks.
export { createApp } from "./app.ts";
export { type Config, loadConfig } from "./config.ts";
export { createLogger } from "./logger.ts";
export { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.ts";
export { type RunningServer, startServer } from "./server.ts";
export { type BareEndpoint, startBareHeartbeatEndpoint } from "./sim/bare-endpoint.ts";
export { type EnrolledSim, enrollSimulatedFleet, runEnrolled, runSimulator, type SimOptions } from "./sim/simulator.ts";
export { NODEPILOT_VERSION } from "./version.ts";
