"use client";
// Display names for the user ids an approval card shows. Reading users needs fleet:admin; without it
// (or when a read fails) ids are shown as they are, and the signed-in user is always "you".
import { useEffect, useState } from "react";
import { useSession } from "@/components/shell/session-context";
import { api } from "@/lib/api-client";
import { hasScope } from "@/lib/session";

const cache = new Map<string, Promise<string | null>>();

function lookUp(id: string): Promise<string | null> {
  let p = cache.get(id);
  if (!p) {
    p = api<{ data: { display_name?: string; email?: string } }>("GET", `/api/v1/users/${encodeURIComponent(id)}`)
      .then((r) => r.data.display_name || r.data.email || null)
      .catch(() => null);
    cache.set(id, p);
  }
  return p;
}

export function useUserNames(ids: readonly (string | null)[]): (id: string | null) => string {
  const session = useSession();
  const me = session?.user?.id ?? null;
  const canRead = hasScope(session?.scopes ?? [], "fleet:admin");
  const [names, setNames] = useState<Record<string, string>>({});
  const wanted = [...new Set(ids.filter((i): i is string => i !== null && i !== me))].sort().join(",");
  useEffect(() => {
    if (!canRead || wanted === "") return;
    let alive = true;
    for (const id of wanted.split(",")) {
      void lookUp(id).then((name) => {
        if (alive && name) setNames((n) => (n[id] === name ? n : { ...n, [id]: name }));
      });
    }
    return () => {
      alive = false;
    };
  }, [wanted, canRead]);
  return (id) => {
    if (id === null) return "a service token";
    if (id === me) return "you";
    return names[id] ?? `user ${id.slice(0, 8)}`;
  };
}
