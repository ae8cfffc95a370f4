"use client";
// Primary navigation. Pages the session cannot read are left out (spec/ui.md §1.4); the Approvals
// link carries the number of pending requests this user could act on, kept current from live events.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "@/lib/api-client";
import { actionableCount, PENDING_APPROVALS_PATH, type PendingCount, type PendingPage } from "@/lib/pending-approvals";
import { hasScope } from "@/lib/session";
import { useLiveEvents, useLiveResync } from "./live-events";
import { useSession } from "./session-context";
import styles from "./shell.module.css";

const ITEMS = [
  { href: "/", label: "Concierge", scope: null, match: (p: string) => p === "/" || p.startsWith("/chat") },
  { href: "/approvals", label: "Approvals", scope: "autonomy:read", match: (p: string) => p.startsWith("/approvals") },
  { href: "/fleet", label: "Fleet", scope: "fleet:read", match: (p: string) => p.startsWith("/fleet") },
  {
    href: "/nodes",
    label: "Nodes",
    scope: "fleet:read",
    match: (p: string) => p.startsWith("/nodes") || p.startsWith("/instances"),
  },
  { href: "/learnings", label: "Learnings", scope: "autonomy:read", match: (p: string) => p.startsWith("/learnings") },
] as const;

function usePendingApprovals(initial: PendingCount | null, enabled: boolean, userId: string | null) {
  const [pending, setPending] = useState<PendingCount | null>(initial);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refresh = useCallback(() => {
    if (!enabled) return;
    clearTimeout(timer.current);
    // Bursts of approval events (a bulk decision) cost one refetch.
    timer.current = setTimeout(() => {
      api<PendingPage>("GET", PENDING_APPROVALS_PATH)
        .then((page) => setPending(actionableCount(page, userId)))
        .catch(() => setPending(null));
    }, 300);
  }, [enabled, userId]);
  useEffect(() => () => clearTimeout(timer.current), []);
  useLiveEvents(refresh, { kind: "autonomy.approval_*" });
  useLiveResync(refresh);
  return pending;
}

export function NavLinks({ initialPending }: { initialPending: PendingCount | null }) {
  const pathname = usePathname() ?? "/";
  const session = useSession();
  const scopes = session?.scopes ?? [];
  const canReadApprovals = hasScope(scopes, "autonomy:read");
  const pending = usePendingApprovals(initialPending, canReadApprovals, session?.user?.id ?? null);
  return (
    <nav aria-label="Main" className={styles.nav}>
      <ul>
        {ITEMS.filter((i) => i.scope === null || hasScope(scopes, i.scope)).map((item) => (
          <li key={item.href}>
            <Link href={item.href} aria-current={item.match(pathname) ? "page" : undefined} className={styles.navLink}>
              {item.label}
              {item.href === "/approvals" &&
                (pending === null ? (
                  <span className={`badge ${styles.navBadge}`} title="pending count unknown">
                    ?<span className="visually-hidden"> pending approvals: unknown</span>
                  </span>
                ) : pending.count > 0 || pending.more ? (
                  <span className={`badge pending ${styles.navBadge}`}>
                    {pending.count}
                    {pending.more ? "+" : ""}
                    <span className="visually-hidden"> pending</span>
                  </span>
                ) : null)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
