// Reading the drift queue (drift.list, GET /api/v1/fleet/drift), the same on the server (serverGet,
// first render) and in the browser (clientGet, Retry and live refresh). A failed read is a failure
// to show as unknown with Retry, never an empty queue. Plain data, so pages pass it to client components.
import { type DriftFilters, type DriftItem, driftListPath } from "./drift-items";
import type { GetJson } from "./event-window";
import type { Failure } from "./fetch-states";
import type { ListResponse } from "./types";

/** Items /fleet/drift reads (the API's maximum; it has no cursor). */
export const PAGE_LIMIT = 500;
/** Items the dashboard panel shows: the oldest active. */
export const PANEL_ITEMS = 5;
/** Expected-vs-actual pairs shown per item before "N more". */
export const PAGE_PAIRS = 6;
export const PANEL_PAIRS = 2;

export type DriftRead = { ok: true; items: DriftItem[]; hasMore: boolean } | { ok: false; failure: Failure };

export async function readDrift(get: GetJson, filters: DriftFilters, limit: number): Promise<DriftRead> {
  const res = await get<ListResponse<DriftItem>>(driftListPath(filters, limit));
  if (!res.ok) return { ok: false, failure: { status: res.status, problem: res.problem } };
  return { ok: true, items: res.value.data, hasMore: res.value.meta.has_more };
}
