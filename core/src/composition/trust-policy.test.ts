import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { regexpError, signedStatement, TrustPolicyInput, verifyEd25519 } from "./trust-policy.ts";

const ed = generateKeyPairSync("ed25519");
const pem = ed.publicKey.export({ type: "spki", format: "pem" }).toString();
const rsaPem = generateKeyPairSync("rsa", { modulusLength: 1024 })
  .publicKey.export({ type: "spki", format: "pem" })
  .toString();

describe("regexpError", () => {
  const cases: [string, boolean][] = [
    ["^https://github\\.com/acme/.+/\\.github/workflows/release\\.yml@refs/tags/v.*$", true],
    ["^https://token\\.actions\\.githubusercontent\\.com$", true],
    ["https://github.com/acme", false],
    ["^acme", false],
    ["^acme\\$", false],
    ["^(?=x)acme$", false],
    ["^(?<!x)acme$", false],
    ["^(a)\\1$", false],
    ["^.*$", false],
    ["^(.+)$", false],
    ["^[unclosed$", false],
  ];
  for (const [src, ok] of cases) {
    it(`${src} is ${ok ? "accepted" : "refused"}`, () => expect(regexpError(src) === undefined).toBe(ok));
  }
});

describe("TrustPolicyInput", () => {
  it("expands the cosign shorthand into one keyless authority", () => {
    const p = TrustPolicyInput.parse({
      cosign_identity_regexp: "^https://ci/acme$",
      cosign_issuer_regexp: "^https://issuer$",
    });
    expect(p).toEqual({
      authorities: [
        {
          keyless: {
            trust_root: "public-good",
            identities: [{ issuer_regexp: "^https://issuer$", subject_regexp: "^https://ci/acme$" }],
          },
        },
      ],
      min_signatures: 1,
      require_attestations: [],
    });
  });

  it("accepts a key authority with an Ed25519 public key and fills defaults", () => {
    const p = TrustPolicyInput.parse({ authorities: [{ key: { public_keys: [pem] } }] });
    expect(p).toEqual({
      authorities: [{ key: { public_keys: [pem], require_tlog: false } }],
      min_signatures: 1,
      require_attestations: [],
    });
  });

  const refusals: [string, unknown, string][] = [
    ["a non-Ed25519 key", { authorities: [{ key: { public_keys: [rsaPem] } }] }, "authorities.0.key.public_keys.0"],
    [
      "garbage instead of a PEM",
      { authorities: [{ key: { public_keys: ["nope"] } }] },
      "authorities.0.key.public_keys.0",
    ],
    [
      "an unanchored shorthand",
      { cosign_identity_regexp: "acme", cosign_issuer_regexp: "^x$" },
      "cosign_identity_regexp",
    ],
    ["half a shorthand", { cosign_identity_regexp: "^x$" }, "cosign_issuer_regexp"],
    ["an unknown key", { authorities: [{ key: { public_keys: [pem] } }], extra: 1 }, "extra"],
    ["no authorities", { authorities: [] }, "authorities"],
    [
      "an authority that is both kinds",
      {
        authorities: [
          { key: { public_keys: [pem] }, keyless: { identities: [{ issuer_regexp: "^i$", subject_regexp: "^s$" }] } },
        ],
      },
      "authorities.0",
    ],
    ["an authority that is neither", { authorities: [{}] }, "authorities.0"],
  ];
  for (const [name, input, path] of refusals) {
    it(`refuses ${name}`, () => {
      const r = TrustPolicyInput.safeParse(input);
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.path.join("."))).toContain(path);
    });
  }
});

describe("Ed25519 signatures over the signed statement", () => {
  const fields = {
    module_id: "m",
    version_number: 2,
    architecture: "amd64",
    oci_digest: `sha256:${"a".repeat(64)}`,
    fsverity_root_hash: "f".repeat(64),
    size_bytes: 8192,
  };
  const msg = signedStatement(fields);
  const sig = sign(null, Buffer.from(msg), ed.privateKey).toString("base64");
  it("has a canonical form independent of key order", () => {
    expect(msg).toBe(signedStatement({ ...fields }));
    expect(msg.startsWith('{"architecture":"amd64"')).toBe(true);
  });
  it("verifies a genuine signature", () => expect(verifyEd25519(pem, msg, sig)).toBe(true));
  it("rejects a signature over other fields", () =>
    expect(verifyEd25519(pem, signedStatement({ ...fields, size_bytes: 8193 }), sig)).toBe(false));
  it("rejects under another key", () => {
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(verifyEd25519(other, msg, sig)).toBe(false);
  });
});
