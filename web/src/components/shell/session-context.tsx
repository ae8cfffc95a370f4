"use client";
// The signed-in session for client components: who the user is and which scopes they hold. The root
// layout reads it on the server (GET /api/v1/session) and hands it down once.
import { createContext, type ReactNode, useContext } from "react";
import type { SessionInfo } from "@/lib/api-types";

const SessionContext = createContext<SessionInfo | null>(null);

export function SessionProvider({ session, children }: { session: SessionInfo; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The current session, or null outside the signed-in shell. */
export function useSession(): SessionInfo | null {
  return useContext(SessionContext);
}
