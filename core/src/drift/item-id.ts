// A drift item's id: base64url (no padding) of `<kind> <fingerprint>`. Stable across ticks and
// episodes (the condition is the item; the episode says which occurrence), safe in a URL path, and
// decodable without a lookup. Fingerprints hold no whitespace (spec/autonomy.md §2.1), so the first
// space splits it.
import { type DriftKind, isDriftKind } from "./kinds.ts";

const ID = /^[A-Za-z0-9_-]{1,400}$/;
const FINGERPRINT = /^[\x21-\x7e]{1,255}$/;

export interface DriftKey {
  kind: DriftKind;
  fingerprint: string;
}

export const driftItemId = (key: { kind: string; fingerprint: string }): string =>
  Buffer.from(`${key.kind} ${key.fingerprint}`, "utf8").toString("base64url");

/** The condition an id names, or null when it is not an id this encoding makes. */
export function parseDriftItemId(id: string): DriftKey | null {
  if (!ID.test(id)) return null;
  const text = Buffer.from(id, "base64url").toString("utf8");
  const space = text.indexOf(" ");
  if (space < 0) return null;
  const kind = text.slice(0, space);
  const fingerprint = text.slice(space + 1);
  if (!isDriftKind(kind) || !FINGERPRINT.test(fingerprint)) return null;
  // One spelling per condition: a re-encoding that differs (padding, stray bits) is not an id.
  return driftItemId({ kind, fingerprint }) === id ? { kind, fingerprint } : null;
}

/** The key for maps of conditions. */
export const conditionKey = (key: { kind: string; fingerprint: string }): string => `${key.kind} ${key.fingerprint}`;
