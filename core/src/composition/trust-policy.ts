// Module trust policies and publisher signatures (spec/domain.md §3.9, builder.md §10). The policy
// lives on the module row, never in a manifest. Key authorities carry Ed25519 public keys and are
// verified here with node:crypto; keyless (Sigstore) authorities need the builder's verifier.
import { createPublicKey, verify } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "../lib/canonical-json.ts";

/** Why a policy regexp is refused: anchored `^…$`, no look-around or backreferences, not `.*`. */
export function regexpError(src: string): string | undefined {
  if (!src.startsWith("^") || !src.endsWith("$") || src.endsWith("\\$")) return "must be anchored with ^…$";
  if (/\(\?<?[=!]/.test(src)) return "look-around is not allowed";
  if (/\\[1-9]|\\k</.test(src)) return "backreferences are not allowed";
  const body = src.slice(1, -1);
  if (/^\(?\.[*+]\)?$/.test(body)) return "must not match everything (.*)";
  try {
    new RegExp(src);
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  return undefined;
}

const AnchoredRegexp = z
  .string()
  .max(1024)
  .superRefine((v, ctx) => {
    const err = regexpError(v);
    if (err) ctx.addIssue({ code: "custom", message: err });
  });

const Ed25519PublicKeyPem = z
  .string()
  .max(16_384)
  .superRefine((pem, ctx) => {
    try {
      if (createPublicKey(pem).asymmetricKeyType !== "ed25519")
        ctx.addIssue({ code: "custom", message: "must be an Ed25519 public key" });
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a PEM-encoded SPKI public key" });
    }
  });

const KeylessAuthority = z.strictObject({
  trust_root: z.string().min(1).max(200).default("public-good"),
  identities: z
    .array(z.strictObject({ issuer_regexp: AnchoredRegexp, subject_regexp: AnchoredRegexp }))
    .min(1)
    .max(20),
});

const KeyAuthority = z.strictObject({
  public_keys: z.array(Ed25519PublicKeyPem).min(1).max(20),
  require_tlog: z.boolean().default(false),
});

// One object with exactly one of the two keys, rather than a union, so that an error inside an
// authority names its exact path (authorities.0.key.public_keys.0).
const Authority = z
  .strictObject({ keyless: KeylessAuthority.optional(), key: KeyAuthority.optional() })
  .superRefine((a, ctx) => {
    if ((a.keyless === undefined) === (a.key === undefined)) {
      ctx.addIssue({ code: "custom", message: "an authority is exactly one of {keyless} or {key}" });
    }
  });

export const TrustPolicySchema = z.strictObject({
  authorities: z.array(Authority).min(1).max(20),
  min_signatures: z.number().int().min(1).max(10).default(1),
  require_attestations: z
    .array(z.enum(["sbom", "provenance"]))
    .max(2)
    .default([]),
});
export type TrustPolicy = z.infer<typeof TrustPolicySchema>;

const Shorthand = z.strictObject({ cosign_identity_regexp: AnchoredRegexp, cosign_issuer_regexp: AnchoredRegexp });

/**
 * What a write accepts: a full policy, or the shorthand `cosign_identity_regexp` +
 * `cosign_issuer_regexp`, which becomes one keyless authority on the public-good trust root.
 */
export const TrustPolicyInput = z
  .record(z.string(), z.unknown())
  .describe(
    "{authorities:[{keyless:{trust_root, identities:[{issuer_regexp, subject_regexp}]}} | {key:{public_keys:[Ed25519 SPKI PEM]}}], min_signatures, require_attestations} or the shorthand {cosign_identity_regexp, cosign_issuer_regexp}.",
  )
  .transform((raw, ctx): TrustPolicy => {
    const short = "cosign_identity_regexp" in raw || "cosign_issuer_regexp" in raw;
    const parsed = short ? Shorthand.safeParse(raw) : TrustPolicySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
        for (const k of keys) {
          ctx.addIssue({
            code: "custom",
            message: k ? `unknown field "${k}"` : issue.message,
            path: k ? [...issue.path, k] : [...issue.path],
          });
        }
      }
      return z.NEVER;
    }
    const data = parsed.data;
    if ("authorities" in data) return data;
    return {
      authorities: [
        {
          keyless: {
            trust_root: "public-good",
            identities: [{ issuer_regexp: data.cosign_issuer_regexp, subject_regexp: data.cosign_identity_regexp }],
          },
        },
      ],
      min_signatures: 1,
      require_attestations: [],
    };
  });

const Ed25519Bundle = z.strictObject({
  alg: z.literal("ed25519"),
  signature_b64: z.base64().min(1).max(4096),
  key_index: z.number().int().min(0).max(19).describe("Index into the key authority's public_keys."),
});
const SigstoreBundle = z.strictObject({
  media_type: z.literal("application/vnd.dev.sigstore.bundle.v0.3+json"),
  bundle: z.record(z.string(), z.unknown()),
});
export const SignatureBundleSchema = z.union([Ed25519Bundle, SigstoreBundle]);

export interface SignedArtifactFields {
  module_id: string;
  version_number: number;
  architecture: string;
  oci_digest: string;
  fsverity_root_hash: string;
  size_bytes: number;
}

/** The exact bytes a publisher signs for one artifact: canonical JSON of the binding fields. */
export function signedStatement(f: SignedArtifactFields): string {
  return canonicalJson({
    module_id: f.module_id,
    version_number: f.version_number,
    architecture: f.architecture,
    oci_digest: f.oci_digest,
    fsverity_root_hash: f.fsverity_root_hash,
    size_bytes: f.size_bytes,
  });
}

export function verifyEd25519(publicKeyPem: string, message: string, signatureB64: string): boolean {
  try {
    return verify(
      null,
      Buffer.from(message, "utf8"),
      createPublicKey(publicKeyPem),
      Buffer.from(signatureB64, "base64"),
    );
  } catch {
    return false;
  }
}

export const keyAuthorities = (p: TrustPolicy) => p.authorities.flatMap((a) => (a.key ? [a.key] : []));
export const hasKeylessAuthority = (p: TrustPolicy) => p.authorities.some((a) => a.keyless !== undefined);
