// @nodepilot/sensors: the fleet sensors of spec/autonomy.md §1 and the signal contract they share.
export { sensorsTenToEighteen } from "./domain-sensors.ts";
export { gitopsDrift } from "./gitops-drift.ts";
export { packageDrift } from "./package-drift.ts";
export { projectSlo } from "./project-slo.ts";
export {
  createProviderStatusReader,
  type ProviderStatusReader,
  type ProviderStatusRequest,
} from "./provider-status.ts";
export {
  createSensorRegistry,
  fleetSensorRegistry,
  type RegisteredSensor,
  type SensorRegistry,
  sensorsOneToNine,
} from "./registry.ts";
export { sdwanBgpSession } from "./sdwan-bgp-session.ts";
export { sdwanCredentialExpiry } from "./sdwan-credential-expiry.ts";
export { sdwanHubUnreachable } from "./sdwan-hub-unreachable.ts";
export { sdwanPeerStale } from "./sdwan-peer-stale.ts";
export { sdwanVipUnreachable } from "./sdwan-vip-unreachable.ts";
export { type SenseContext, type SenseResult, type Sensor, type SqlSensorDefinition, sqlSensor } from "./sensor.ts";
export {
  MAX_PAYLOAD_BYTES,
  type RejectedSignal,
  SEVERITIES,
  SEVERITY_WEIGHT,
  type Signal,
  type SignalRefs,
  SignalSchema,
  type ValidatedSignals,
  validateSignals,
} from "./signal.ts";
export { storageAssignmentDrift } from "./storage-assignment-drift.ts";
export {
  type ConditionState,
  orderForDecision,
  planConditions,
  type SensorOutcome,
  type SensorStatus,
} from "./tick/conditions.ts";
export {
  type Decider,
  type DecisionReason,
  type DecisionRecord,
  stampsDedupWindow,
  type TickContext,
} from "./tick/decider.ts";
export {
  createTickRunner,
  HOOK_STEPS,
  type HookStep,
  newTickCorrelationId,
  type TickHook,
  type TickResult,
  type TickRunner,
  type TickRunnerDeps,
  type TickStatus,
} from "./tick/runner.ts";
