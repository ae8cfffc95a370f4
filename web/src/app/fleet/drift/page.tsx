// /fleet/drift — the whole drift queue (spec/ui.md §5): every (subject, kind) the drift sensors
// reported in the last 7 days, oldest first, open or auto-resolved, derived from event.list and kept
// live in the browser. Status and kind filters live in the query string.
import type { Metadata } from "next";
import Link from "next/link";
import { DRIFT_PAGE_PAGES, DRIFT_PAGE_PAIRS, deriveDriftItems, driftInput } from "@/components/fleet/drift-items";
import { DriftQueue } from "@/components/fleet/drift-queue";
import styles from "@/components/fleet/page.module.css";
import { firstParam, type SearchParams } from "@/components/fleet/search-params";
import { NowProvider } from "@/components/fleet/use-now";
import { driftNameRefs, loadDriftReads, loadNames } from "@/components/fleet/watch-reads";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Drift queue" };

export default async function DriftPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  const at = Date.now();
  const reads = await loadDriftReads(serverGet, at, DRIFT_PAGE_PAGES);
  const names = await loadNames(serverGet, driftNameRefs(deriveDriftItems(driftInput(reads, at)), DRIFT_PAGE_PAIRS));
  return (
    <NowProvider renderedAt={at}>
      <div className={styles.page}>
        <p className={styles.crumbs}>
          <Link href="/fleet">Fleet</Link> / drift
        </p>
        <header className={styles.header}>
          <h1 className={styles.title}>Drift queue</h1>
          <p className={styles.subtitle}>Where the fleet differs from what it should be, oldest first</p>
        </header>
        <DriftQueue
          initial={reads}
          names={names}
          maxPages={DRIFT_PAGE_PAGES}
          initialStatus={firstParam(query.status) ?? "open"}
          initialKind={firstParam(query.kind) ?? "all"}
        />
      </div>
    </NowProvider>
  );
}
