// Publisher keys agents may see in /agent/v1/trust (`signing_keys`): the Ed25519 keys named by the
// key authorities of the account's module trust policies (builder.md §10). Publisher keys have no
// revocation record of their own; a key leaves this list when no policy names it any more.
import { createHash, createPublicKey } from "node:crypto";
import { type DbOrTx, node_modules } from "@nodepilot/store";
import { and, eq, isNotNull } from "drizzle-orm";
import { keyAuthorities, TrustPolicySchema } from "../composition/trust-policy.ts";

const fingerprint = (pem: string) =>
  `sha256:${createHash("sha256")
    .update(createPublicKey(pem).export({ type: "spki", format: "der" }))
    .digest("hex")}`;

export async function listSigningKeys(
  db: DbOrTx,
  accountId: string,
): Promise<{ key_id: string; public_key_pem: string; revoked: boolean }[]> {
  const rows = await db
    .select({ policy: node_modules.trust_policy })
    .from(node_modules)
    .where(and(eq(node_modules.account_id, accountId), isNotNull(node_modules.trust_policy)));
  const keys = new Map<string, string>();
  for (const r of rows) {
    const policy = TrustPolicySchema.safeParse(r.policy);
    if (!policy.success) continue;
    for (const k of keyAuthorities(policy.data)) for (const pem of k.public_keys) keys.set(fingerprint(pem), pem);
  }
  return [...keys]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key_id, public_key_pem]) => ({ key_id, public_key_pem, revoked: false }));
}
