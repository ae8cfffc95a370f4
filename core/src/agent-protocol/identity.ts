// The identity record (spec/agent.md §2): what discovery resolves before enrollment.
import { z } from "zod";
import { Architecture, PemText, ProtoTimestamp } from "./primitives.ts";

/** Discovery sources in resolver order (spec/agent.md §2). */
export const IDENTITY_SOURCES = ["cmdline", "fw_cfg", "aws", "gcp", "azure", "digitalocean", "files", "claim"] as const;
export const IdentitySource = z.enum(IDENTITY_SOURCES);

export const IdentityRecord = z.strictObject({
  instance_id: z.string().min(1).max(200),
  bootstrap_token: z.string().min(1).max(512).optional(),
  platform_url: z.url({ protocol: /^https$/, hostname: z.regexes.hostname }),
  ca_bundle_pem: PemText,
  architecture: Architecture,
  source: IdentitySource,
  discovered_at: ProtoTimestamp,
});
export type IdentityRecord = z.infer<typeof IdentityRecord>;
