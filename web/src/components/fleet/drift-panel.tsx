"use client";
// The dashboard's drift panel (spec/ui.md §5): the oldest active drift items from drift.list — the
// same API and live refresh as /fleet/drift — and a link to the whole queue. A failed read is
// "unknown" with Retry, never "no drift".
import Link from "next/link";
import { DEFAULT_FILTERS, driftNameRefs } from "./drift-items";
import styles from "./drift-queue.module.css";
import { type DriftRead, PANEL_ITEMS, PANEL_PAIRS } from "./drift-read";
import { DriftTable } from "./drift-table";
import { EmptyState, FailureState } from "./fetch-states";
import { useDriftList } from "./use-drift-list";
import { useEntityNames } from "./use-entity-names";
import { useNow } from "./use-now";
import type { Names } from "./watch-reads";

export interface DriftPanelProps {
  initial: DriftRead;
  /** Names of the modules the items' pairs name, looked up by the server. */
  names: Names;
}

export function DriftPanel({ initial, names: initialNames }: DriftPanelProps) {
  const now = useNow(15_000);
  const { state, reload } = useDriftList(DEFAULT_FILTERS, initial, PANEL_ITEMS);
  const items = state.items ?? [];
  const names = useEntityNames(initialNames, driftNameRefs(items, PANEL_PAIRS));
  const count = state.hasMore
    ? `the ${items.length} oldest of more than ${items.length} active`
    : `${items.length} active`;
  return (
    <section className={styles.panel} aria-labelledby="drift-queue-title">
      <div className={styles.head}>
        <h2 id="drift-queue-title" className={styles.title}>
          Drift queue
        </h2>
        {state.items !== null && !state.failure ? <span className={styles.count}>{count}</span> : null}
        <Link href="/fleet/drift" className={styles.viewAll}>
          Open the drift queue
        </Link>
      </div>
      {state.failure ? (
        <FailureState failure={state.failure} what="the drift queue" onRetry={() => void reload()} />
      ) : null}
      {state.items === null ? null : items.length === 0 ? (
        state.failure ? null : (
          <EmptyState>No active drift: nothing open, remediating or snoozed.</EmptyState>
        )
      ) : (
        <DriftTable
          items={items}
          names={names}
          now={now}
          maxPairs={PANEL_PAIRS}
          caption={`The ${items.length} oldest active drift items`}
        />
      )}
    </section>
  );
}
