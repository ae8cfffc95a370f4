// Scopes are `<domain>:<level>` with nested levels (admin ⊃ write ⊃ read); effective scopes are the
// token's scopes intersected with the role's (spec/domain.md §1.1, spec/mcp.md §4).
import { z } from "zod";

export const SCOPE_DOMAINS = ["fleet", "autonomy", "security", "gitops", "sdwan", "runtimes"] as const;
export const SCOPE_LEVELS = ["read", "write", "admin"] as const;
export type ScopeDomain = (typeof SCOPE_DOMAINS)[number];
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];
export type Scope = `${ScopeDomain}:${ScopeLevel}`;
export type Role = "owner" | "admin" | "operator" | "viewer";

export const ScopeSchema = z
  .string()
  .regex(/^(fleet|autonomy|security|gitops|sdwan|runtimes):(read|write|admin)$/, "must be <domain>:<read|write|admin>")
  .transform((s) => s as Scope);

const LEVEL_RANK: Record<ScopeLevel, number> = { read: 1, write: 2, admin: 3 };
const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3, owner: 3 };

export const ALL_SCOPES: Scope[] = SCOPE_DOMAINS.map((d) => `${d}:admin` as Scope);

function parse(scope: Scope): [ScopeDomain, ScopeLevel] {
  const [d, l] = scope.split(":") as [ScopeDomain, ScopeLevel];
  return [d, l];
}

/** Does a principal holding `granted` (capped by `role`) satisfy `required`? */
export function hasScope(granted: readonly string[], role: Role | null, required: Scope): boolean {
  const [domain, level] = parse(required);
  const need = LEVEL_RANK[level];
  if (role && ROLE_RANK[role] < need) return false;
  return granted.some((g) => {
    const [gd, gl] = g.split(":") as [string, ScopeLevel];
    return gd === domain && (LEVEL_RANK[gl] ?? 0) >= need;
  });
}

/** The highest level the role allows, as used to cap scopes a user may grant to new tokens. */
export function roleAllows(role: Role | null, scope: Scope): boolean {
  if (!role) return true;
  return ROLE_RANK[role] >= LEVEL_RANK[parse(scope)[1]];
}
