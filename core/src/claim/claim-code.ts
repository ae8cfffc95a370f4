// Claim codes (spec/domain.md §1.5): 8 characters an operator reads off a box's console and types
// into unclaimed_device.claim. Knowing one proves someone saw the box, so only its SHA-256 is
// searchable and the plaintext is kept sealed for the box's own polls.
import { randomInt } from "node:crypto";
import { CLAIM_CODE_ALPHABET, CLAIM_CODE_LENGTH } from "../agent-protocol/claim.ts";
import { sha256Hex } from "../auth/tokens.ts";

export function newClaimCode(): string {
  let code = "";
  for (let i = 0; i < CLAIM_CODE_LENGTH; i++) code += CLAIM_CODE_ALPHABET[randomInt(CLAIM_CODE_ALPHABET.length)];
  return code;
}

/**
 * What an operator typed, as the canonical code: case, spaces and dashes do not matter
 * (`abcd-efgh` reads as `ABCDEFGH`). Null when it cannot be a claim code.
 */
export function normalizeClaimCode(typed: string): string | null {
  const code = typed.replace(/[\s-]/g, "").toUpperCase();
  if (code.length !== CLAIM_CODE_LENGTH) return null;
  for (const ch of code) if (!CLAIM_CODE_ALPHABET.includes(ch)) return null;
  return code;
}

export const hashClaimCode = (code: string): string => sha256Hex(`nodepilot-claim-code:${code}`);

/** The sealing contexts bind a sealed secret to its row, so sealed values cannot be swapped between rows. */
export const claimCodeContext = (deviceId: string) => `unclaimed_devices.claim_code:${deviceId}`;
export const claimTokenContext = (deviceId: string) => `unclaimed_devices.bootstrap_token:${deviceId}`;
