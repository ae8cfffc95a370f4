// /learnings — what the learning loop has recorded (spec/ui.md §10), from learning.list with the
// filters in the query string, newest first, a page at a time.
import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState, FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import type { SearchParams } from "@/components/fleet/search-params";
import type { ListResponse } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { LearningFiltersForm } from "@/components/learnings/learning-filters";
import {
  hasFilters,
  learningsApiPath,
  learningsHref,
  parseLearningFilters,
} from "@/components/learnings/learning-model";
import own from "@/components/learnings/learnings.module.css";
import { LearningsTable } from "@/components/learnings/learnings-table";
import type { Learning } from "@/components/learnings/types";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Learnings" };

export default async function LearningsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { filters, ignored } = parseLearningFilters(await searchParams);
  const res = await serverGet<ListResponse<Learning>>(learningsApiPath(filters));
  const rows = res.ok ? res.value.data : [];
  const next = res.ok && res.value.meta.has_more ? res.value.meta.next_cursor : null;
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <header className={styles.header}>
          <h1 className={styles.title}>Learnings</h1>
          {res.ok ? (
            <p className={styles.subtitle}>
              {`${rows.length}${next ? "+" : ""} ${hasFilters(filters) ? "matching " : ""}learnings${filters.cursor ? " on this page" : ""}`}
            </p>
          ) : null}
        </header>
        <LearningFiltersForm filters={filters} />
        {ignored.length > 0 ? (
          <div className={own.ignored} role="note">
            Ignored filters that are not valid:
            <ul>
              {ignored.map((i) => (
                <li key={i}>{i}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {!res.ok ? (
          <FailureState failure={{ status: res.status, problem: res.problem }} what="learnings" />
        ) : rows.length === 0 ? (
          <EmptyState>
            {hasFilters(filters)
              ? "No learnings match these filters."
              : "No learnings yet: they are recorded from decision outcomes, approvals and attribution feedback."}
          </EmptyState>
        ) : (
          <LearningsTable learnings={rows} caption="Learnings, newest first" />
        )}
        {filters.cursor || next ? (
          <nav aria-label="Pages" className={own.pager}>
            {filters.cursor ? <Link href={learningsHref(filters)}>First page</Link> : null}
            {next ? <Link href={learningsHref(filters, { cursor: next })}>Next page</Link> : null}
          </nav>
        ) : null}
      </div>
    </NowProvider>
  );
}
