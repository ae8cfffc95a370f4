// /fleet/drift — the drift queue (spec/ui.md §5): drift.list oldest first, status (default active)
// and kind filters from the query string, rendered first on the server and kept live in the
// browser, with Remediate, Snooze, Resolve, Assign to me and Remediate selected on its rows.
import type { Metadata } from "next";
import Link from "next/link";
import { driftNameRefs, parseFilters } from "@/components/fleet/drift-items";
import { DriftQueue } from "@/components/fleet/drift-queue";
import { PAGE_LIMIT, PAGE_PAIRS, readDrift } from "@/components/fleet/drift-read";
import styles from "@/components/fleet/page.module.css";
import { firstParam, type SearchParams } from "@/components/fleet/search-params";
import { NowProvider } from "@/components/fleet/use-now";
import { loadNames } from "@/components/fleet/watch-reads";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Drift queue" };

export default async function DriftPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  const filters = parseFilters({ status: firstParam(query.status), kind: firstParam(query.kind) });
  const read = await readDrift(serverGet, filters, PAGE_LIMIT);
  const names = read.ok ? await loadNames(serverGet, driftNameRefs(read.items, PAGE_PAIRS)) : {};
  const at = Date.now();
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
        <DriftQueue initialFilters={filters} initial={read} names={names} renderedAt={at} />
      </div>
    </NowProvider>
  );
}
