// Creates an API token row and returns the plaintext, which exists only in this return value.
import { api_tokens, type DbOrTx } from "@nodepilot/store";
import { newTokenPlaintext, sha256Hex, tokenPrefix } from "./tokens.ts";

export interface IssueTokenInput {
  accountId: string;
  userId: string | null;
  name: string;
  scopes: string[];
  environmentIds?: string[];
  expiresAt: Date;
}

export async function issueToken(db: DbOrTx, input: IssueTokenInput) {
  const plaintext = newTokenPlaintext();
  const [row] = await db
    .insert(api_tokens)
    .values({
      account_id: input.accountId,
      user_id: input.userId,
      name: input.name,
      token_prefix: tokenPrefix(plaintext),
      token_hash: sha256Hex(plaintext),
      scopes: input.scopes,
      environment_ids: input.environmentIds ?? [],
      expires_at: input.expiresAt,
    })
    .returning();
  if (!row) throw new Error("token insert returned nothing");
  return { plaintext, row };
}
