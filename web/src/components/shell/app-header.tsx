// The signed-in header: product name, navigation, the concierge drawer's button (Ctrl/Cmd+K), live
// connection state, the user and Sign out.
import Link from "next/link";
import type { SessionInfo } from "@/lib/api-types";
import type { PendingCount } from "@/lib/pending-approvals";
import { DrawerButton } from "./drawer-button";
import { LiveStatusIndicator } from "./live-status";
import { NavLinks } from "./nav-links";
import styles from "./shell.module.css";
import { SignOutButton } from "./sign-out-button";

export function AppHeader({ session, pending }: { session: SessionInfo; pending: PendingCount | null }) {
  const who = session.user ? session.user.display_name || session.user.email : "API token session";
  return (
    <header className={styles.header}>
      <Link href="/" className={styles.brand}>
        Nodepilot
      </Link>
      <NavLinks initialPending={pending} />
      <div className={styles.meta}>
        <DrawerButton />
        <LiveStatusIndicator />
        <span className={styles.user}>
          <span className="visually-hidden">Signed in as </span>
          <span title={session.user?.email}>{who}</span>
          {session.user && <span className={styles.role}> ({session.user.role})</span>}
        </span>
        <SignOutButton />
      </div>
    </header>
  );
}
