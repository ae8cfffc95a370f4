// @nodepilot/core: the operations catalog, domain state machines, auth and error codes.

export { bearerToken } from "./auth/bearer-token.ts";
export { type IssueTokenInput, issueToken } from "./auth/issue-token.ts";
export { type ActorType, type Principal, systemPrincipal } from "./auth/principal.ts";
export { ALL_SCOPES, hasScope, type Role, SCOPE_DOMAINS, SCOPE_LEVELS, type Scope } from "./auth/scopes.ts";
export { newTokenPlaintext, principalForTokenId, sha256Hex, TokenAuthenticator, tokenPrefix } from "./auth/tokens.ts";
export * from "./autonomy/index.ts";
export {
  SEEDED_CATEGORIES,
  SEEDED_ENVIRONMENTS,
  type SeededAccount,
  type SeedOptions,
  seedAccount,
} from "./bootstrap/seed.ts";
export { buildCatalog, type Catalog, toolName } from "./catalog/catalog.ts";
export type { Logger, OpContext, SensorCatalog, SensorDescriptor, Services } from "./catalog/context.ts";
export { type InvokeMeta, invoke, parseInput, requireScope } from "./catalog/invoke.ts";
export { type JsonSchema, jsonSchemaOf } from "./catalog/json-schema.ts";
export type { AnyOperation, Effect, HttpMethod, Operation, OperationExample } from "./catalog/operation.ts";
export * from "./claim/index.ts";
export * from "./compliance/index.ts";
export * from "./delivery/index.ts";
export * from "./enrollment/index.ts";
export {
  AppError,
  ERROR_CODES,
  type ErrorCode,
  type FieldError,
  fromZodError,
  HTTP_STATUS,
  invalidInput,
  toAppError,
} from "./errors.ts";
export type { EventInput, EventOrigin } from "./events/emit.ts";
export { EVENTS_CHANNEL, type EventSource, emitEvent, emitEvents, type Severity } from "./events/emit.ts";
export {
  executeInstanceTask,
  INSTANCE_COMMANDS,
  recordHeartbeat,
  transitionInstance,
} from "./instances/index.ts";
export { openCredentials as openProviderCredentials } from "./instances/provider-access.ts";
export type { AgentEndpoint, AgentEndpointSource } from "./instances/provider-calls.ts";
export * from "./learnings/index.ts";
export { canonicalJson } from "./lib/canonical-json.ts";
export { SecretBox } from "./lib/secret-box.ts";
export {
  AUTONOMY_DEFAULTS,
  type AutonomySettings,
  AutonomySettingsSchema,
  loadAutonomySettings,
} from "./operations/autonomy-settings.ts";
export { EventSchema, eventList, eventOut } from "./operations/event.ts";
export { allOperations } from "./operations/index.ts";
export {
  type EffectiveSensorConfig,
  effectiveSensorConfig,
  loadSensorConfigs,
} from "./operations/sensor-config.ts";
export * from "./pki/index.ts";
export type { CatalogSnapshot, ProviderAdapter } from "./providers/adapter.ts";
export { agentWorkload, type LocalWorkload } from "./providers/local/agent-workload.ts";
export { sandboxPids } from "./providers/local/processes.ts";
export { ProviderRegistry } from "./providers/registry.ts";
export { cancelSubjectTasks } from "./tasks/cancel.ts";
export { getCommand, TASK_COMMANDS, type TaskSubjectType } from "./tasks/commands.ts";
export { createTask, payloadSha256 } from "./tasks/create-task.ts";
export { completeTask, failTask, leaseTasks, reapTasks, renewTask, settleTask, startTask } from "./tasks/lease.ts";
export type { TaskRow } from "./tasks/task-output.ts";
