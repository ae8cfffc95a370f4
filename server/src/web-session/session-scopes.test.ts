// Session scopes: the role's scopes for a password sign-in, the source token's capped by the role
// for a token sign-in, one scope per domain.
import { describe, expect, it } from "vitest";
import { effectiveScopes, roleScopes } from "./session-scopes.ts";

describe("session scopes", () => {
  it("gives each role its level in every domain", () => {
    expect(roleScopes("viewer")).toEqual([
      "fleet:read",
      "autonomy:read",
      "security:read",
      "gitops:read",
      "sdwan:read",
      "runtimes:read",
    ]);
    expect(roleScopes("operator").every((s) => s.endsWith(":write"))).toBe(true);
    expect(roleScopes("admin").every((s) => s.endsWith(":admin"))).toBe(true);
    expect(roleScopes("owner")).toEqual(roleScopes("admin"));
  });

  it("caps a token's scopes at the role and keeps the highest level per domain", () => {
    expect(effectiveScopes(["fleet:admin", "autonomy:read", "fleet:read"], "operator")).toEqual([
      "fleet:write",
      "autonomy:read",
    ]);
    expect(effectiveScopes(["security:write"], "viewer")).toEqual(["security:read"]);
  });

  it("leaves a service token's scopes uncapped and ignores what is not a scope", () => {
    expect(effectiveScopes(["gitops:admin", "bogus", "fleet:owner"], null)).toEqual(["gitops:admin"]);
    expect(effectiveScopes([], "admin")).toEqual([]);
  });
});
