// /approvals — the approvals queue (spec/ui.md §4), first page rendered on the server for the
// filters in the query string, then live in the browser.
import type { Metadata } from "next";
import { ApprovalsQueue } from "@/components/approvals/approvals-queue";
import { listPath, parseFilters } from "@/components/approvals/filters";
import type { ApprovalListItem } from "@/components/approvals/types";
import styles from "@/components/fleet/page.module.css";
import type { SearchParams } from "@/components/fleet/search-params";
import type { ListResponse } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Approvals" };

export default async function ApprovalsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const filters = parseFilters(await searchParams);
  const page = await serverGet<ListResponse<ApprovalListItem>>(listPath(filters));
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <header className={styles.header}>
          <h1 className={styles.title}>Approvals</h1>
          <p className={styles.subtitle}>Actions waiting for a person, and what was decided</p>
        </header>
        <ApprovalsQueue
          initialFilters={filters}
          initial={page.ok ? page.value : null}
          initialFailure={page.ok ? null : { status: page.status, problem: page.problem }}
        />
      </div>
    </NowProvider>
  );
}
