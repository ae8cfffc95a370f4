// The root layout: every page renders inside the signed-in shell (header, live event stream, live
// region, the honeypot banner, the concierge drawer), or — signed out — is redirected to /signin.
// The session is read once per request here.
import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { AnnouncerProvider } from "@/components/shell/announcer";
import { AppHeader } from "@/components/shell/app-header";
import { ConciergeDrawerProvider } from "@/components/shell/concierge-drawer";
import { FetchError } from "@/components/shell/fetch-error";
import { HoneypotBanner } from "@/components/shell/honeypot-banner";
import { LiveEventsProvider } from "@/components/shell/live-events";
import { SessionProvider } from "@/components/shell/session-context";
import styles from "@/components/shell/shell.module.css";
import { SignedOutGate } from "@/components/shell/signed-out-gate";
import type { SessionInfo } from "@/lib/api-types";
import { actionableCount, PENDING_APPROVALS_PATH, type PendingCount, type PendingPage } from "@/lib/pending-approvals";
import { serverGet } from "@/lib/server-api";
import { hasScope } from "@/lib/session";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Nodepilot", template: "%s — Nodepilot" },
  description: "Nodepilot operator console",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

async function pendingApprovals(session: SessionInfo): Promise<PendingCount | null> {
  if (!hasScope(session.scopes, "autonomy:read")) return null;
  const page = await serverGet<PendingPage>(PENDING_APPROVALS_PATH);
  return page.ok ? actionableCount(page.value, session.user?.id ?? null) : null;
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const res = await serverGet<{ data: SessionInfo }>("/api/v1/session");
  let body: ReactNode;
  if (res.ok) {
    const session = res.value.data;
    const pending = await pendingApprovals(session);
    body = (
      <SessionProvider session={session}>
        <LiveEventsProvider>
          <AnnouncerProvider>
            <ConciergeDrawerProvider>
              <AppHeader session={session} pending={pending} />
              <HoneypotBanner />
              <main id="main" className={styles.main} tabIndex={-1}>
                {children}
              </main>
            </ConciergeDrawerProvider>
          </AnnouncerProvider>
        </LiveEventsProvider>
      </SessionProvider>
    );
  } else if (res.status === 401) {
    body = (
      <>
        <header className={styles.signedOutHeader}>Nodepilot</header>
        <main id="main" className={styles.main} tabIndex={-1}>
          <SignedOutGate>{children}</SignedOutGate>
        </main>
      </>
    );
  } else {
    body = (
      <>
        <header className={styles.signedOutHeader}>Nodepilot</header>
        <main id="main" className={styles.main} tabIndex={-1}>
          <div className={styles.banner}>
            <h1>Nodepilot is unavailable</h1>
            <FetchError what="your session" status={res.status} problem={res.problem} />
          </div>
        </main>
      </>
    );
  }
  return (
    <html lang="en">
      <body>
        <a href="#main" className={styles.skip}>
          Skip to main content
        </a>
        {body}
      </body>
    </html>
  );
}
