// Who is signed in and what they may do, as the UI reads it from GET /api/v1/session. Scopes are
// `<domain>:<level>` with nested levels (admin ⊃ write ⊃ read), the same rule the API applies.
export type { SessionInfo } from "./api-types";

const LEVEL_RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** Does a session holding `granted` satisfy `required` (e.g. "autonomy:write")? */
export function hasScope(granted: readonly string[], required: string): boolean {
  const [domain, level] = required.split(":");
  const need = LEVEL_RANK[level ?? ""] ?? Number.POSITIVE_INFINITY;
  return granted.some((g) => {
    const [gd, gl] = g.split(":");
    return gd === domain && (LEVEL_RANK[gl ?? ""] ?? 0) >= need;
  });
}

/** A same-origin path to return to after signing in; anything else (absolute, `//host`) becomes `/`. */
export function safeNext(next: string | string[] | undefined | null): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value?.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (value.startsWith("/signin")) return "/";
  return value;
}
