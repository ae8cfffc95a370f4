// The instances module's surface: lifecycle transitions, provisioning, the heartbeat finalizer and the
// control-plane executor. Workers, the agent API and pools use these; operations live in operations/.
export { type ActionRequest, loadInstance, runInstanceAction } from "./actions.ts";
export { releaseHold, setCordon, setHold } from "./controls.ts";
export { type ExecutionOutcome, executeInstanceTask } from "./execute-instance-task.ts";
export {
  INSTANCE_COMMANDS,
  type InstanceCommand,
  isInstanceCommand,
  type ProviderReport,
  SETTLES,
} from "./finalizers.ts";
export { type HeartbeatInput, type HeartbeatOutcome, recordHeartbeat } from "./heartbeat.ts";
export { type InstanceOut, type InstanceRow, InstanceSchema, instanceOut } from "./instance-schema.ts";
export { assertNotHeld, lockPoolMember, type TransitionOptions, transitionInstance } from "./lifecycle.ts";
export { type Placement, type PlacementRequest, resolvePlacement } from "./placement.ts";
export { instanceProvider, PROVIDER_CREDENTIALS_CONTEXT } from "./provider-access.ts";
export { providerName, TAG_ACCOUNT, TAG_INSTANCE, TAG_NODE } from "./provider-calls.ts";
export { type Provisioned, type ProvisionInput, provisionInstance } from "./provision.ts";
