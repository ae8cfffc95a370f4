// The claim exchange (spec/agent.md §2, source 8): a box with a generic image polls with what it
// can discover about itself until an operator claims it by the code on its console.
import { z } from "zod";
import { Architecture, ProtoUuid } from "./primitives.ts";

/** 8 characters without the look-alikes 0/O, 1/I/L and U (spec/domain.md §1.5 "unambiguous"). */
export const CLAIM_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
export const CLAIM_CODE_LENGTH = 8;
export const ClaimCode = z
  .string()
  .regex(new RegExp(`^[${CLAIM_CODE_ALPHABET}]{${CLAIM_CODE_LENGTH}}$`), "must be 8 characters of the claim alphabet");

/** The server's default wait between polls (agent.md §2 "default 30 s"). */
export const CLAIM_POLL_SECONDS = 30;

export const ClaimRequest = z.strictObject({
  mac: z
    .string()
    .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, "must be a MAC address")
    .transform((m) => m.toLowerCase()),
  dmi_uuid: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .transform((u) => u.toLowerCase()),
  hostname: z.string().trim().min(1).max(253),
  agent_version: z.string().min(1).max(64),
  architecture: Architecture,
  /** What hardware platform the image believes it runs on (e.g. a node platform name). */
  platform_hint: z.string().trim().min(1).max(64).optional(),
  /** A name or id the box asks to be known by; shown to operators in the discovery event. */
  requested_id: z.string().trim().min(1).max(200).optional(),
});
export type ClaimRequest = z.infer<typeof ClaimRequest>;

export const ClaimPending = z.strictObject({
  status: z.literal("pending"),
  claim_code: ClaimCode,
  poll_after_seconds: z.int().min(1).max(3600),
});

export const ClaimClaimed = z.strictObject({
  status: z.literal("claimed"),
  instance_id: ProtoUuid,
  bootstrap_token: z.string().min(1).max(512),
});

export const ClaimResponse = z.discriminatedUnion("status", [ClaimPending, ClaimClaimed]);
export type ClaimResponse = z.infer<typeof ClaimResponse>;
