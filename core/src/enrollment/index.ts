// Enrollment: bootstrap tokens and the token-for-certificate exchange, plus rotation.
export {
  BOOTSTRAP_TOKEN_MAX_TTL_SECONDS,
  type BootstrapPurpose,
  hashBootstrapToken,
  type IssueBootstrapTokenInput,
  type IssuedBootstrapToken,
  issueBootstrapToken,
} from "./bootstrap-tokens.ts";
export {
  type AgentRequestOrigin,
  bootstrapTokenRejected,
  type EnrollIdentity,
  type EnrollInput,
  type EnrollmentRefusal,
  type EnrollResult,
  enrollInstance,
  MAX_TOKEN_FAILURES,
  type RotateInput,
  rotateCertificate,
} from "./enroll.ts";
