// The `data` of the session routes: who is signed in, what the session may do, the CSRF token the
// UI echoes on writes, and when the session ends.
import type { Role } from "@nodepilot/core";
import { csrfTokenFor } from "./csrf.ts";
import type { UserRow } from "./grant.ts";
import { effectiveScopes } from "./session-scopes.ts";

export interface SessionView {
  user: { id: string; email: string; display_name: string; role: Role } | null;
  /** The user's role; for a token without a user, the role its fleet scope amounts to. */
  role: Role;
  scopes: string[];
  csrf_token: string;
  expires_at: string;
}

const FLEET_ROLE: Record<string, Role> = { "fleet:admin": "admin", "fleet:write": "operator" };

function tokenRole(scopes: readonly string[]): Role {
  const fleet = effectiveScopes(scopes, null).find((s) => s.startsWith("fleet:"));
  return (fleet && FLEET_ROLE[fleet]) || "viewer";
}

export function sessionView(
  user: UserRow | null,
  scopes: readonly string[],
  plaintext: string,
  expiresAt: Date,
): SessionView {
  return {
    user: user ? { id: user.id, email: user.email, display_name: user.display_name, role: user.role } : null,
    role: user ? user.role : tokenRole(scopes),
    scopes: [...scopes],
    csrf_token: csrfTokenFor(plaintext),
    expires_at: expiresAt.toISOString(),
  };
}
