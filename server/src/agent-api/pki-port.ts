// What the agent listener needs from the PKI and enrollment modules (core/src/pki, core/src/enrollment),
// bound to the runtime's database and secrets by core-pki.ts. Routes depend on these shapes only,
// which keeps them testable and the binding in one place.
import type { EventOrigin } from "@nodepilot/core";
import type { EnrollRequest } from "@nodepilot/core/agent-protocol";
import type { AgentIdentity } from "./node-principal.ts";

export interface AgentServerTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface EnrollmentResult {
  certificate_pem: string;
  ca_chain_pem: string;
  certificate_id: string;
  instance_id: string;
  mtls_subject: string;
  not_after: Date | string;
}

export interface EnrollArgs {
  bootstrapToken: string;
  csrPem: string;
  identity: EnrollRequest["identity"];
  sourceIp: string;
  now: Date;
}

export interface RotateArgs {
  instanceId: string;
  accountId: string;
  currentCertificateId: string;
  csrPem: string;
  now: Date;
}

export interface AgentPki {
  serverTls(hostnames: string[], now: Date): Promise<AgentServerTls>;
  /** Throws AppError unauthenticated for a certificate that is not ours, revoked or expired. */
  verifyClient(certDer: Buffer, now: Date): Promise<AgentIdentity>;
  enroll(args: EnrollArgs, requestId: string): Promise<EnrollmentResult>;
  rotate(args: RotateArgs, origin: EventOrigin): Promise<EnrollmentResult>;
}
