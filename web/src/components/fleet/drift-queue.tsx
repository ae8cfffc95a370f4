"use client";
// The drift queue on /fleet/drift (spec/ui.md §5 "Drift queue"): drift.list's items oldest first,
// with status (default active) and kind filters in the query string, kept live (use-drift-list.ts).
// Each row can be remediated, snoozed, resolved or assigned to the viewer, and selected rows are
// remediated as ONE drift.remediate — every write through POST /api/v1/actions, so a gated
// remediation answers pending_approval and its approval card shows here. A failed read is
// "unknown" with Retry, never an empty queue.
import { useEffect, useRef, useState } from "react";
import { useAnnounce } from "@/components/shell/announcer";
import { useSession } from "@/components/shell/session-context";
import { runGatedAction } from "../nodes/gated-action";
import {
  ACTION_LABEL,
  type ActionArgs,
  actionRequest,
  answeredItems,
  appliedText,
  bulkRefusal,
  bulkRequest,
  type FieldProblem,
  problemFields,
  refusal,
  refusals,
  remediableSelection,
  type Viewer,
} from "./drift-actions";
import {
  DRIFT_KINDS,
  DRIFT_LABEL,
  type DriftFilters,
  type DriftItem,
  type DriftKind,
  driftNameRefs,
  emptyText,
  filtersToQuery,
  itemText,
  STATUS_FILTER_LABEL,
  STATUS_FILTERS,
} from "./drift-items";
import { DriftOutcomes, type Shown } from "./drift-outcomes";
import styles from "./drift-queue.module.css";
import { type DriftRead, PAGE_LIMIT, PAGE_PAIRS } from "./drift-read";
import { ActionForm, type FormAction, RowActions, refusalNoteId, toggleId } from "./drift-row-actions";
import { DriftTable } from "./drift-table";
import { EmptyState, FailureState, LoadingState } from "./fetch-states";
import { replaceQuery } from "./query";
import { TimeAt } from "./relative-time";
import { filtersKey, useDriftList } from "./use-drift-list";
import { useEntityNames } from "./use-entity-names";
import { useNow } from "./use-now";
import type { Names } from "./watch-reads";

/** Results kept on screen; older ones drop off. */
const MAX_SHOWN = 5;

export interface DriftQueueProps {
  initialFilters: DriftFilters;
  initial: DriftRead;
  names: Names;
  renderedAt: number;
}

type Running = { ids: string[]; action: ActionArgs["action"]; bulk: boolean };
type FormRefusal = { id: string; action: FormAction; message: string; fields: FieldProblem[] };

export function DriftQueue({ initialFilters, initial, names: initialNames, renderedAt }: DriftQueueProps) {
  const session = useSession();
  const announce = useAnnounce();
  const viewer: Viewer | null = session ? { userId: session.user?.id ?? null, scopes: session.scopes } : null;
  const now = useNow(15_000);
  const [filters, setFilters] = useState(initialFilters);
  const { state, reload, merge } = useDriftList(filters, initial, PAGE_LIMIT, renderedAt);
  const current = state.key === filtersKey(filters);
  const items = current ? (state.items ?? []) : [];
  const names = useEntityNames(initialNames, driftNameRefs(items, PAGE_PAIRS));

  const [picked, setPicked] = useState<ReadonlySet<string>>(() => new Set());
  const [form, setForm] = useState<{ id: string; action: FormAction } | null>(null);
  const [formRefusal, setFormRefusal] = useState<FormRefusal | null>(null);
  const [running, setRunning] = useState<Running | null>(null);
  const [shown, setShown] = useState<Shown[]>([]);
  const nextKey = useRef(0);
  const results = useRef<HTMLDivElement>(null);

  // The selection holds what is still listed and remediable; a refresh keeps the rest selected.
  const selection = remediableSelection(items, picked, viewer);
  const selected = new Set(selection);
  const remediable = items.filter((i) => refusal("remediate", i, viewer) === null);
  const whyNotBulk = bulkRefusal(selection, viewer);

  const changeFilters = (next: DriftFilters) => {
    setFilters(next);
    setForm(null);
    replaceQuery(filtersToQuery(next));
  };

  // After an action or a closed form, once the page has rendered it: focus back on the control that
  // started it if it is still usable, else on the results (a resolved row's buttons are disabled).
  const [refocus, setRefocus] = useState<{ toggle: string | null; n: number } | null>(null);
  const settleFocus = (toggle: string | null) => setRefocus((r) => ({ toggle, n: (r?.n ?? 0) + 1 }));
  useEffect(() => {
    if (!refocus) return;
    const back = refocus.toggle ? (document.getElementById(refocus.toggle) as HTMLButtonElement | null) : null;
    if (back && !back.disabled) {
      back.focus();
      return;
    }
    const active = document.activeElement as HTMLButtonElement | null;
    if (!active || active === document.body || active.disabled) results.current?.focus();
  }, [refocus]);

  async function act(targets: DriftItem[], args: ActionArgs, bulk: boolean) {
    const ids = targets.map((t) => t.id);
    const request = bulk ? bulkRequest(ids) : actionRequest(targets[0]!, args);
    setRunning({ ids, action: args.action, bulk });
    const outcome = await runGatedAction(request.operation, request.input);
    setRunning(null);
    const fromForm = !bulk && (args.action === "snooze" || args.action === "resolve");
    const fields = outcome.status === "error" ? problemFields(outcome.problem, ids, targets) : [];
    if (outcome.status === "error" && fromForm) {
      setFormRefusal({ id: ids[0]!, action: args.action as FormAction, message: outcome.message, fields });
      return;
    }
    let text = "";
    if (outcome.status === "applied") {
      merge(answeredItems(outcome.output));
      text = appliedText(args, targets, outcome.output);
      announce(text);
    } else if (outcome.status === "pending_approval") {
      announce(`Approval needed: ${outcome.operation}`);
    }
    if (outcome.status !== "error") {
      if (bulk) setPicked(new Set());
      if (fromForm) {
        setForm(null);
        setFormRefusal(null);
      }
    }
    const label = bulk ? "Remediate selected" : ACTION_LABEL[args.action];
    const what = targets.length === 1 ? `the ${itemText(targets[0]!)}` : `${targets.length} drift items`;
    setShown((s) => [{ key: ++nextKey.current, label, what, outcome, text, fields }, ...s].slice(0, MAX_SHOWN));
    settleFocus(fromForm ? toggleId(args.action as FormAction, targets[0]!) : null);
    void reload();
  }

  const closeForm = () => {
    const open = form;
    setForm(null);
    setFormRefusal(null);
    if (open) settleFocus(toggleId(open.action, { id: open.id }));
  };

  const busyFor = (item: DriftItem) => running !== null && (running.bulk || running.ids.includes(item.id));

  return (
    <section className={styles.queue} aria-label="Drift items">
      <div className={styles.toolbar}>
        <fieldset className={styles.statusFilter}>
          <legend className={styles.legend}>Status</legend>
          {STATUS_FILTERS.map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={filters.status === s}
              onClick={() => changeFilters({ ...filters, status: s })}
            >
              {STATUS_FILTER_LABEL[s]}
            </button>
          ))}
        </fieldset>
        <label className={styles.field}>
          <span>Kind</span>
          <select
            value={filters.kind ?? "all"}
            onChange={(e) => {
              const k = e.target.value;
              changeFilters({ ...filters, kind: k === "all" ? null : (k as DriftKind) });
            }}
          >
            <option value="all">all kinds</option>
            {DRIFT_KINDS.map((k) => (
              <option key={k} value={k}>
                {DRIFT_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        <fieldset className={styles.bulk}>
          <legend className="visually-hidden">Selected items</legend>
          <span className={styles.count}>{selection.length} selected</span>
          <button
            type="button"
            className="primary"
            disabled={whyNotBulk !== null || running !== null}
            aria-describedby={whyNotBulk ? "drift-bulk-why" : undefined}
            onClick={() =>
              void act(
                items.filter((i) => selected.has(i.id)),
                { action: "remediate" },
                true,
              )
            }
          >
            {running?.bulk ? "Remediating selected…" : "Remediate selected"}
          </button>
          {whyNotBulk ? (
            <span id="drift-bulk-why" className={styles.why}>
              {whyNotBulk}
            </span>
          ) : null}
        </fieldset>
      </div>
      <div ref={results} tabIndex={-1} className={styles.results}>
        <DriftOutcomes
          shown={shown}
          onDismiss={(key) => setShown((s) => s.filter((x) => x.key !== key))}
          onDecided={() => void reload()}
        />
      </div>
      {state.failure ? (
        <FailureState failure={state.failure} what="the drift queue" onRetry={() => void reload()} />
      ) : null}
      {!current ? (
        state.failure ? null : (
          <LoadingState what="drift items" />
        )
      ) : state.items === null ? null : items.length === 0 ? (
        state.failure ? null : (
          <EmptyState>{emptyText(filters)}</EmptyState>
        )
      ) : (
        <>
          {state.failure && state.readAt ? (
            <p className={styles.note}>
              Showing the items as read <TimeAt iso={new Date(state.readAt).toISOString()} now={now} />: they may have
              changed since.
            </p>
          ) : null}
          <DriftTable
            items={items}
            names={names}
            now={now}
            maxPairs={PAGE_PAIRS}
            showRemediation
            caption={`Drift items, oldest first: ${items.length}${state.hasMore ? "+" : ""} ${STATUS_FILTER_LABEL[filters.status].toLowerCase()}${filters.kind ? ` ${DRIFT_LABEL[filters.kind]}` : ""}`}
            leading={{
              className: styles.selectCell,
              header: (
                <SelectAll
                  all={remediable.length > 0 && remediable.every((i) => selected.has(i.id))}
                  some={selection.length > 0}
                  disabled={remediable.length === 0}
                  onChange={(on) => setPicked(new Set(on ? remediable.map((i) => i.id) : []))}
                />
              ),
              cell: (item) => {
                const r = refusals(item, viewer);
                return (
                  <input
                    type="checkbox"
                    aria-label={`Select the ${itemText(item)}`}
                    checked={selected.has(item.id)}
                    disabled={r.remediate !== null}
                    aria-describedby={refusalNoteId(item, r, "remediate")}
                    onChange={(e) => {
                      const on = e.target.checked;
                      setPicked(() => {
                        const next = new Set(selection);
                        if (on) next.add(item.id);
                        else next.delete(item.id);
                        return next;
                      });
                    }}
                  />
                );
              },
            }}
            trailing={{
              header: "Actions",
              className: styles.actionsCell,
              cell: (item) => (
                <RowActions
                  item={item}
                  refusals={refusals(item, viewer)}
                  busy={busyFor(item)}
                  running={running && !running.bulk && running.ids.includes(item.id) ? running.action : null}
                  open={form?.id === item.id ? form.action : null}
                  onRemediate={() => void act([item], { action: "remediate" }, false)}
                  onAssign={() => void act([item], { action: "assign" }, false)}
                  onToggleForm={(action) => {
                    setFormRefusal(null);
                    setForm((f) => (f?.id === item.id && f.action === action ? null : { id: item.id, action }));
                  }}
                />
              ),
            }}
            below={(item) =>
              form?.id === item.id ? (
                <ActionForm
                  key={`${item.id}:${form.action}`}
                  item={item}
                  action={form.action}
                  busy={busyFor(item)}
                  refused={formRefusal?.id === item.id && formRefusal.action === form.action ? formRefusal : null}
                  onSubmit={(args) => void act([item], args, false)}
                  onCancel={closeForm}
                />
              ) : null
            }
          />
          {state.hasMore ? (
            <p className={styles.note}>
              The oldest {PAGE_LIMIT} are shown; more match these filters — narrow them by kind.
            </p>
          ) : null}
        </>
      )}
      <p className={styles.note}>
        The server computes each status on every read: a snoozed item opens again when its snooze ends if the drift
        persists, and an item auto-resolves when the next detection pass no longer reports it.
      </p>
    </section>
  );
}

function SelectAll({
  all,
  some,
  disabled,
  onChange,
}: {
  all: boolean;
  some: boolean;
  disabled: boolean;
  onChange: (on: boolean) => void;
}) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = some && !all;
  }, [some, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select every remediable item"
      checked={all}
      disabled={disabled}
      onChange={(e) => onChange(e.target.checked)}
    />
  );
}
