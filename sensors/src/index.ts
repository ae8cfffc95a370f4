// @nodepilot/sensors: the fleet sensors of spec/autonomy.md §1 and the signal contract they share.
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
