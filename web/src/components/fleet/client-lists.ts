"use client";
// The browser-side twin of server-lists.ts, for refreshing a whole collection after a live event.
import { api } from "@/lib/api-client";
import type { AllOf } from "./server-lists";
import type { ListResponse } from "./types";

export async function getAll<T>(path: string, maxPages = 10): Promise<AllOf<T>> {
  const items: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes("?") ? "&" : "?";
  for (let page = 0; page < maxPages; page++) {
    const url: string = `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res: ListResponse<T> = await api<ListResponse<T>>("GET", url);
    items.push(...res.data);
    cursor = res.meta.next_cursor;
    if (!res.meta.has_more || !cursor) return { items, truncated: false };
  }
  return { items, truncated: true };
}
