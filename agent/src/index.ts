// @nodepilot/agent: the on-node agent as a library (the fleet simulator runs many in one process).

export { main as runCli } from "./cli.ts";
export * from "./client/index.ts";
export { enroll } from "./enroll.ts";
export { EXIT, ExitError } from "./exit-codes.ts";
export { cachedBlobPath, ensureCachedBlob, type FetchTuning, fetchModule } from "./fetch-module.ts";
export { fsverityDigest, fsverityDigestOf } from "./fsverity.ts";
export { defaultHandlers, HandlerError, type TaskHandler } from "./handlers/index.ts";
export * from "./identity/index.ts";
export * from "./outbox/index.ts";
export { runAgent } from "./run/service.ts";
export { TaskLoop } from "./run/task-loop.ts";
export * from "./state/index.ts";
export { AGENT_VERSION, versionInfo } from "./version.ts";
