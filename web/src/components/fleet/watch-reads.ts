// The reads behind the canary tile, the same on the server (serverGet, first render) and in the
// browser (clientGet, Retry and resync): the honeypot access signals over the last 7 days, and the
// names of the instances and modules the canary tile and the drift queue refer to by id (UUIDv7 ids
// made together share their first digits, so a short id does not tell them apart).

import type { Fetched } from "../../lib/server-api";
import { ACCESS_KIND, CANARY_PAGES, type CanaryAccess, WEEK_MS } from "./canaries";
import { type GetJson, readEventWindow, type WindowRead } from "./event-window";
import type { ListResponse, One } from "./types";

export function loadCanaryRead(get: GetJson, now: number): Promise<WindowRead> {
  return readEventWindow(get, ACCESS_KIND, new Date(now - WEEK_MS).toISOString(), CANARY_PAGES);
}

/** A named object a drift item or canary access refers to by id. */
export interface NameRef {
  type: "instance" | "module";
  id: string;
}
/** Names by nameKey; null when the lookup failed or the object is gone (the id is shown instead). */
export type Names = Record<string, string | null>;
export const nameKey = (type: NameRef["type"], id: string): string => `${type}:${id}`;

/** Instance lookups per call, ten at a time: beyond it the ids are shown as they are. */
const INSTANCE_LOOKUPS = 60;
/** Modules are read as a list (a deleted module must not be a failed request): up to 1000. */
const MODULE_PAGES = 5;

async function moduleNames(get: GetJson): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | null = null;
  for (let page = 0; page < MODULE_PAGES; page++) {
    const url: string = `/api/v1/node_modules?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res: Fetched<ListResponse<{ id: string; name: string }>> = await get(url);
    if (!res.ok) break;
    for (const m of res.value.data) out.set(m.id, m.name);
    cursor = res.value.meta.next_cursor;
    if (!res.value.meta.has_more || !cursor) break;
  }
  return out;
}

export async function loadNames(get: GetJson, refs: readonly NameRef[]): Promise<Names> {
  const unique = [...new Map(refs.map((r) => [nameKey(r.type, r.id), r])).values()];
  const instances = unique.filter((r) => r.type === "instance").slice(0, INSTANCE_LOOKUPS);
  const modules = unique.filter((r) => r.type === "module");
  const out: Names = {};
  const listed = modules.length > 0 ? moduleNames(get) : null;
  // Instances are never deleted, so looking one up by id fails only when the read does.
  for (let i = 0; i < instances.length; i += 10) {
    await Promise.all(
      instances.slice(i, i + 10).map(async (r) => {
        const res = await get<One<{ name?: unknown }>>(`/api/v1/node_instances/${encodeURIComponent(r.id)}`);
        out[nameKey(r.type, r.id)] = res.ok && typeof res.value.data.name === "string" ? res.value.data.name : null;
      }),
    );
  }
  const names = listed ? await listed : new Map<string, string>();
  for (const r of modules) out[nameKey(r.type, r.id)] = names.get(r.id) ?? null;
  return out;
}

export const canaryNameRefs = (accesses: readonly CanaryAccess[]): NameRef[] =>
  accesses.flatMap((a) => [
    ...(a.moduleId ? [{ type: "module" as const, id: a.moduleId }] : []),
    ...a.suspects.map((s) => ({ type: "instance" as const, id: s.instanceId })),
  ]);
