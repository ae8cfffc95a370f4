// Enrollment and certificate rotation messages (spec/agent.md §4, §7).
import { z } from "zod";
import { Architecture, PemText, ProtoTimestamp, ProtoUuid } from "./primitives.ts";

export const EnrollIdentity = z.strictObject({
  instance_id: ProtoUuid,
  source: z.string().min(1).max(64),
  architecture: Architecture,
  agent_version: z.string().min(1).max(64),
  dmi_uuid: z.string().min(1).max(128).optional(),
  mac: z
    .string()
    .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, "must be a MAC address")
    .optional(),
  hostname: z.string().min(1).max(253).optional(),
  cloud: z
    .strictObject({
      provider: z.string().min(1).max(64),
      instance_id: z.string().min(1).max(200),
      region: z.string().min(1).max(64),
      zone: z.string().min(1).max(64),
    })
    .optional(),
});
export type EnrollIdentity = z.infer<typeof EnrollIdentity>;

export const EnrollRequest = z.strictObject({
  bootstrap_token: z.string().min(1).max(512),
  csr_pem: PemText,
  identity: EnrollIdentity,
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const TrustKey = z.strictObject({
  key_id: z.string().min(1),
  public_key_pem: PemText,
  revoked: z.boolean(),
});

export const AgentConfig = z.strictObject({
  heartbeat_interval_seconds: z.int().min(5).max(300),
  lease_ttl_seconds: z.int().min(30).max(1800),
  max_concurrent_tasks: z.int().min(1).max(64),
  trust: z.strictObject({ delivery_keys: z.array(TrustKey), signing_keys: z.array(TrustKey) }),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** The certificate part shared by enroll and rotate replies. */
export const IssuedCertificate = z.strictObject({
  certificate_pem: PemText,
  ca_chain_pem: PemText,
  certificate_id: ProtoUuid,
  instance_id: ProtoUuid,
  mtls_subject: z.string().min(1),
  not_after: ProtoTimestamp,
});
export type IssuedCertificate = z.infer<typeof IssuedCertificate>;

export const EnrollResponse = IssuedCertificate.extend({ config: AgentConfig });
export type EnrollResponse = z.infer<typeof EnrollResponse>;

export const RotateRequest = z.strictObject({ csr_pem: PemText });
export type RotateRequest = z.infer<typeof RotateRequest>;

/** "The response has the same shape as enroll" (§7). */
export const RotateResponse = EnrollResponse.describe(
  "The enroll response shape: a rotation issues a certificate the same way (spec/agent.md §7).",
);
export type RotateResponse = z.infer<typeof RotateResponse>;
