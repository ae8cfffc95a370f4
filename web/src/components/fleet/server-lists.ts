// Server-side reads for pages that need a whole collection (every node, every instance): pages of
// 200 followed by cursor, up to a cap, reported as truncated rather than silently cut.
import { type Fetched, serverGet } from "@/lib/server-api";
import type { ListResponse } from "./types";

export interface AllOf<T> {
  items: T[];
  truncated: boolean;
}

export async function serverGetAll<T>(path: string, maxPages = 10): Promise<Fetched<AllOf<T>>> {
  const items: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes("?") ? "&" : "?";
  for (let page = 0; page < maxPages; page++) {
    const url: string = `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res: Fetched<ListResponse<T>> = await serverGet<ListResponse<T>>(url);
    if (!res.ok) return res;
    items.push(...res.value.data);
    cursor = res.value.meta.next_cursor;
    if (!res.value.meta.has_more || !cursor) return { ok: true, value: { items, truncated: false } };
  }
  return { ok: true, value: { items, truncated: true } };
}
