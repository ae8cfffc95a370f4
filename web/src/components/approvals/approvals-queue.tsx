"use client";
// The approvals queue (spec/ui.md §4): filters in the query string, the table, row selection and
// bulk Approve/Reject with one reason. It starts from the server's first page and refetches when
// approval events arrive, so new requests appear (highlighted and announced) and decided ones leave
// the pending view without a reload.
import { useCallback, useMemo, useRef, useState } from "react";
import { useUserNames } from "@/components/approval-card/use-user-names";
import { useAnnounce } from "@/components/shell/announcer";
import { useSession } from "@/components/shell/session-context";
import { api } from "@/lib/api-client";
import { useRefreshOn } from "../fleet/event-stream";
import { EmptyState, type Failure, FailureState, toFailure } from "../fleet/fetch-states";
import { replaceQuery } from "../fleet/query";
import type { ListResponse } from "../fleet/types";
import { useNow } from "../fleet/use-now";
import styles from "./approvals.module.css";
import { type BulkPlanItem, type ItemResult, runBulk, type Verdict } from "./bulk";
import { BulkDialog } from "./bulk-dialog";
import { BulkSummary } from "./bulk-summary";
import { skipReason, type Viewer } from "./eligibility";
import { filtersToQuery, listPath, matchesFilters, type QueueFilters, sortRequests } from "./filters";
import { QueueFiltersBar } from "./queue-filters";
import { QueueTable } from "./queue-table";
import type { ApprovalListItem } from "./types";
import { useApprovalDetails } from "./use-approval-details";

const HIGHLIGHT_MS = 10_000;

export interface ApprovalsQueueProps {
  initialFilters: QueueFilters;
  initial: ListResponse<ApprovalListItem> | null;
  initialFailure: Failure | null;
}

export function ApprovalsQueue(props: ApprovalsQueueProps) {
  const session = useSession();
  const announce = useAnnounce();
  const now = useNow(1_000);
  const [filters, setFilters] = useState(props.initialFilters);
  const [rows, setRows] = useState<ApprovalListItem[] | null>(props.initial?.data ?? null);
  const [cursor, setCursor] = useState<string | null>(props.initial?.meta.next_cursor ?? null);
  const [failure, setFailure] = useState<Failure | null>(props.initialFailure);
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [highlighted, setHighlighted] = useState<Set<string>>(() => new Set());
  const [dialog, setDialog] = useState<Verdict | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [results, setResults] = useState<{ verdict: Verdict; items: ItemResult[] } | null>(null);
  const lastClicked = useRef<number | null>(null);
  const known = useRef(new Set((props.initial?.data ?? []).map((r) => r.id)));
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  const viewer: Viewer = {
    userId: session?.user?.id ?? null,
    role: session?.user?.role ?? null,
    scopes: session?.scopes ?? [],
  };

  const load = useCallback(
    async (f: QueueFilters, live: boolean) => {
      setLoading(true);
      try {
        const page = await api<ListResponse<ApprovalListItem>>("GET", listPath(f));
        if (filtersRef.current.status !== f.status) return;
        const fresh = live ? page.data.filter((r) => !known.current.has(r.id)) : [];
        for (const r of page.data) known.current.add(r.id);
        setRows(page.data);
        setCursor(page.meta.next_cursor);
        setFailure(null);
        setSelected((s) => new Set([...s].filter((id) => page.data.some((r) => r.id === id))));
        if (fresh.length > 0) {
          const ids = fresh.map((r) => r.id);
          setHighlighted((h) => new Set([...h, ...ids]));
          setTimeout(() => setHighlighted((h) => new Set([...h].filter((id) => !ids.includes(id)))), HIGHLIGHT_MS);
          announce(
            fresh.length === 1
              ? `New approval request: ${fresh[0]!.action_category} — ${fresh[0]!.description}`
              : `${fresh.length} new approval requests`,
          );
        }
      } catch (err) {
        setFailure(toFailure(err));
      } finally {
        setLoading(false);
      }
    },
    [announce],
  );

  const loadMore = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await api<ListResponse<ApprovalListItem>>("GET", listPath(filters, cursor));
      for (const r of page.data) known.current.add(r.id);
      setRows((prev) => [...(prev ?? []), ...page.data.filter((r) => !prev?.some((p) => p.id === r.id))]);
      setCursor(page.meta.next_cursor);
    } catch (err) {
      setFailure(toFailure(err));
    } finally {
      setLoading(false);
    }
  };

  useRefreshOn(
    (e) => e.kind.startsWith("autonomy.approval_"),
    () => void load(filtersRef.current, true),
  );

  const change = (next: QueueFilters) => {
    const statusChanged = next.status !== filters.status;
    setFilters(next);
    replaceQuery(filtersToQuery(next));
    if (statusChanged) {
      setSelected(new Set());
      void load(next, false);
    }
  };

  const visible = useMemo(
    () =>
      sortRequests(
        (rows ?? []).filter((r) => matchesFilters(r, filters, now)),
        filters.sort,
      ),
    [rows, filters, now],
  );
  const categories = useMemo(() => [...new Set((rows ?? []).map((r) => r.action_category))], [rows]);
  const details = useApprovalDetails(visible);
  const nameOf = useUserNames(visible.map((r) => r.requested_by_user_id));

  const toggle = (index: number, checked: boolean, range: boolean) => {
    const from = range && lastClicked.current !== null ? Math.min(lastClicked.current, index) : index;
    const to = range && lastClicked.current !== null ? Math.max(lastClicked.current, index) : index;
    setSelected((s) => {
      const next = new Set(s);
      for (const r of visible.slice(from, to + 1)) {
        if (checked) next.add(r.id);
        else next.delete(r.id);
      }
      return next;
    });
    lastClicked.current = index;
  };
  const toggleAll = (checked: boolean) => setSelected(checked ? new Set(visible.map((r) => r.id)) : new Set());

  const chosen = visible.filter((r) => selected.has(r.id));
  const plan: BulkPlanItem[] = chosen.map((row) => {
    const d = details[row.id];
    return { row, skip: skipReason(row, d && d !== "failed" ? d.decisions : undefined, viewer, now) };
  });

  const confirm = async (reason: string) => {
    if (!dialog) return;
    const verdict = dialog;
    const frozen = plan;
    setProgress({ done: 0, total: frozen.filter((p) => p.skip === null).length });
    const items = await runBulk(verdict, frozen, reason, (done, total) => setProgress({ done, total }));
    setProgress(null);
    setDialog(null);
    setResults({ verdict, items });
    setSelected(new Set());
    void load(filtersRef.current, false);
  };

  const statusWord = filters.status === "all" ? "all statuses" : filters.status;
  const caption = `Approval requests — ${statusWord}, ${filters.sort === "expiry" ? "soonest expiry first" : "newest first"} (${visible.length} shown)`;

  return (
    <div className={styles.queue}>
      <QueueFiltersBar filters={filters} categories={categories} onChange={change} />
      <fieldset className={styles.bulkBar}>
        <legend className="visually-hidden">Bulk actions</legend>
        <span className={styles.muted}>
          {chosen.length === 0 ? "Select requests to decide several at once." : `${chosen.length} selected`}
        </span>
        <button type="button" className="primary" disabled={chosen.length === 0} onClick={() => setDialog("approve")}>
          Approve selected
        </button>
        <button type="button" disabled={chosen.length === 0} onClick={() => setDialog("reject")}>
          Reject selected
        </button>
        {loading ? <span className={styles.muted}>Refreshing…</span> : null}
      </fieldset>
      {results ? (
        <BulkSummary verdict={results.verdict} results={results.items} onDismiss={() => setResults(null)} />
      ) : null}
      {failure ? (
        <FailureState failure={failure} what="approval requests" onRetry={() => void load(filters, false)} />
      ) : null}
      {rows === null ? null : visible.length === 0 ? (
        <EmptyState>
          {rows.length === 0
            ? filters.status === "pending"
              ? "Nothing is waiting for approval."
              : `No ${statusWord} approval requests.`
            : "No request matches the filters."}
        </EmptyState>
      ) : (
        <QueueTable
          rows={visible}
          details={details}
          selected={selected}
          highlighted={highlighted}
          now={now}
          caption={caption}
          nameOf={nameOf}
          onToggle={toggle}
          onToggleAll={toggleAll}
        />
      )}
      {cursor ? (
        <button type="button" onClick={() => void loadMore()} disabled={loading}>
          Load more
        </button>
      ) : null}
      <BulkDialog
        verdict={dialog}
        plan={plan}
        progress={progress}
        onConfirm={(reason) => void confirm(reason)}
        onClose={() => setDialog(null)}
      />
    </div>
  );
}
