// Who is calling: resolved once per request by a surface, then trusted by the catalog.
import type { Role } from "./scopes.ts";

export type ActorType = "user" | "token" | "agent" | "system" | "approval";

export interface Principal {
  accountId: string;
  /** Null for service tokens and system actors. */
  userId: string | null;
  tokenId: string | null;
  role: Role | null;
  scopes: readonly string[];
  /** Empty means every environment. */
  environmentIds: readonly string[];
  actorType: ActorType;
  actorId: string;
  kind: "operator" | "node" | "worker";
}

export function systemPrincipal(accountId: string, scopes: readonly string[]): Principal {
  return {
    accountId,
    userId: null,
    tokenId: null,
    role: null,
    scopes,
    environmentIds: [],
    actorType: "system",
    actorId: "system",
    kind: "worker",
  };
}
