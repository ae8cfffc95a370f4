// The scopes a web session holds: what the credential it came from may do, as spec/domain.md §1.1
// computes it (token scopes ∩ role scopes; viewer *:read, operator *:write, admin and owner
// *:admin), written out so the session row says exactly what it can do.
import { type Role, SCOPE_DOMAINS, SCOPE_LEVELS, type Scope } from "@nodepilot/core";

const ROLE_LEVEL: Record<Role, number> = { viewer: 1, operator: 2, admin: 3, owner: 3 };
const LEVEL_RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

/**
 * The effective scopes of `granted` under `role` (null: a service token, uncapped): per domain the
 * highest level granted, capped at the role's level; one scope per domain, in SCOPE_DOMAINS order.
 */
export function effectiveScopes(granted: readonly string[], role: Role | null): Scope[] {
  const cap = role ? ROLE_LEVEL[role] : 3;
  const best = new Map<string, number>();
  for (const scope of granted) {
    const [domain, level] = scope.split(":");
    const rank = LEVEL_RANK[level ?? ""];
    if (!domain || !rank) continue;
    best.set(domain, Math.max(best.get(domain) ?? 0, Math.min(rank, cap)));
  }
  return SCOPE_DOMAINS.flatMap((d) => {
    const rank = best.get(d);
    return rank ? [`${d}:${SCOPE_LEVELS[rank - 1]}` as Scope] : [];
  });
}

/** Everything a role allows: a password sign-in's scopes. */
export const roleScopes = (role: Role): Scope[] =>
  effectiveScopes(
    SCOPE_DOMAINS.map((d) => `${d}:admin`),
    role,
  );
