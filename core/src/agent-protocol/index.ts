// @nodepilot/core/agent-protocol: the zod schemas of the agent REST protocol (spec/agent.md),
// shared by the agent listener and the on-node agent. Imports only zod.
export {
  CLAIM_CODE_ALPHABET,
  CLAIM_CODE_LENGTH,
  CLAIM_POLL_SECONDS,
  ClaimClaimed,
  ClaimCode,
  ClaimPending,
  ClaimRequest,
  ClaimResponse,
} from "./claim.ts";
export {
  ARTIFACT_FORMATS,
  AssignmentsResponse,
  DELIVERY_STATEMENT_PREFIX,
  DeliveredArtifact,
  DeliveredModule,
  DeliveredTrustPolicy,
  DeliveryStatement,
  deliveryStatementBytes,
  Ed25519PublisherBundle,
  manifestBytes,
  type PublisherStatementFields,
  publisherStatementBytes,
  SIGNATURE_MODES,
  TrustResponse,
  WITHHELD_REASONS,
  WithheldModule,
} from "./delivery.ts";
export {
  AgentConfig,
  EnrollIdentity,
  EnrollRequest,
  EnrollResponse,
  IssuedCertificate,
  RotateRequest,
  RotateResponse,
  TrustKey,
} from "./enroll.ts";
export {
  AGENT_EVENT_KINDS,
  AGENT_EVENT_PAYLOAD_MAX_BYTES,
  AGENT_EVENT_SEVERITIES,
  AGENT_EVENTS_MAX_BATCH,
  AGENT_EVENTS_MAX_BYTES,
  AgentEvent,
  type AgentEventKind,
  type AgentEventSeverity,
  EventsRequest,
  EventsResponse,
} from "./events.ts";
export {
  CAPABILITY_NAMES,
  HEARTBEAT_ACTIONS,
  HEARTBEAT_MAX_BYTES,
  HEARTBEAT_SCHEMA_VERSION,
  HeartbeatCapabilities,
  HeartbeatRequest,
  HeartbeatResponse,
} from "./heartbeat.ts";
export { IDENTITY_SOURCES, IdentityRecord, IdentitySource } from "./identity.ts";
export {
  AGENT_API_BASE_PATH,
  AGENT_PROTOCOL_VERSION,
  Architecture,
  MountMode,
  MountState,
  PemText,
  ProtoTimestamp,
  ProtoUuid,
  Sha256Digest,
} from "./primitives.ts";
export { AgentProblem } from "./problem.ts";
export {
  AGENT_TASK_STATUSES,
  CompleteRequest,
  CompleteResponse,
  FailRequest,
  FailResponse,
  LeasedTask,
  LeaseRequest,
  LeaseResponse,
  RenewRequest,
  RenewResponse,
  StartRequest,
  StartResponse,
  TaskStatusResponse,
} from "./tasks.ts";
