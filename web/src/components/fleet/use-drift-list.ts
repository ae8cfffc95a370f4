"use client";
// The drift queue kept current in the browser: it starts from the server's read, re-reads when a
// drift-relevant live event arrives (at most once a second however many arrive, and on a resync),
// when a shown snooze ends, and on demand. The rows on screen stay while a read is in flight; a read
// that answers the same items keeps the same array (no re-render, no flicker), an older read never
// overwrites a newer one, and a failed read keeps the last rows beside the failure.
import { useCallback, useEffect, useRef, useState } from "react";
import { changesDrift, type DriftFilters, type DriftItem, nextSnoozeEnd, remediationTasks } from "./drift-items";
import { type DriftRead, readDrift } from "./drift-read";
import { useRefreshOn } from "./event-stream";
import { clientGet } from "./event-window";
import type { Failure } from "./fetch-states";

const LIVE_THROTTLE_MS = 1_000;
/** A snooze end is re-read this long after it passed, so the server's clock has passed it too. */
const SNOOZE_END_SLACK_MS = 1_500;

export interface DriftListState {
  /** The last items read; null while none has been read yet. */
  items: DriftItem[] | null;
  /** The filters `items` were read for (filtersKey): after a change, until the new read answers, they differ. */
  key: string;
  hasMore: boolean;
  /** The newest read failed: what is shown may be stale, and it says so. */
  failure: Failure | null;
  /** When `items` were read (ms). */
  readAt: number | null;
}

export const filtersKey = (f: DriftFilters): string => `${f.status}|${f.kind ?? ""}`;

const stateOf = (read: DriftRead, key: string, at: number | null): DriftListState =>
  read.ok
    ? { items: read.items, key, hasMore: read.hasMore, failure: null, readAt: at }
    : { items: null, key, hasMore: false, failure: read.failure, readAt: null };

/** `renderedAt`: when the server read `initial`, if the caller shows how old a stale list is. */

export function useDriftList(
  filters: DriftFilters,
  initial: DriftRead,
  limit: number,
  renderedAt: number | null = null,
) {
  const key = filtersKey(filters);
  const [state, setState] = useState<DriftListState>(() => stateOf(initial, key, renderedAt));
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const latest = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++latest.current;
    const asked = filtersRef.current;
    const read = await readDrift(clientGet, asked, limit);
    if (mine !== latest.current) return;
    const at = Date.now();
    const readKey = filtersKey(asked);
    setState((prev) => {
      if (!read.ok) return { ...prev, failure: read.failure };
      const same =
        prev.key === readKey && prev.items !== null && JSON.stringify(prev.items) === JSON.stringify(read.items);
      return { items: same ? prev.items : read.items, key: readKey, hasMore: read.hasMore, failure: null, readAt: at };
    });
  }, [limit]);

  // New filters: read for them (the first render's were read by the server).
  const readFor = useRef(key);
  useEffect(() => {
    if (readFor.current === key) return;
    readFor.current = key;
    void reload();
  }, [key, reload]);

  /** Put items an action answered in place at once; the re-read that follows settles the list. */
  const merge = useCallback((updated: readonly DriftItem[]) => {
    if (updated.length === 0) return;
    setState((prev) =>
      prev.items ? { ...prev, items: prev.items.map((i) => updated.find((u) => u.id === i.id) ?? i) } : prev,
    );
  }, []);

  const tasks = useRef(new Set<string>());
  tasks.current = remediationTasks(state.items ?? []);
  const live = useRefreshOn(
    (e) => changesDrift(e, tasks.current),
    () => void reload(),
    LIVE_THROTTLE_MS,
  );

  useEffect(() => {
    const now = Date.now();
    const end = nextSnoozeEnd(state.items ?? [], now);
    if (end === null) return;
    const t = setTimeout(() => void reload(), end - now + SNOOZE_END_SLACK_MS);
    return () => clearTimeout(t);
  }, [state.items, reload]);

  return { state, reload, merge, live };
}
