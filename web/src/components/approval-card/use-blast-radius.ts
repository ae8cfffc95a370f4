"use client";
// Reads what an action's target touches through the API: an instance with its node, or a node with
// its instances (every page up to a bound). A failed read is reported as such, never as "none".
import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "@/lib/api-client";
import {
  type BlastTarget,
  type Counted,
  countPages,
  type InstanceRef,
  instanceRefOf,
  MAX_INSTANCE_PAGES,
} from "./blast-radius";

export interface NodeRef {
  id: string;
  name: string;
}

export type Radius =
  | { kind: "instance"; instance: InstanceRef; node: NodeRef | null }
  | { kind: "node"; node: NodeRef; instances: Counted<InstanceRef> }
  | { kind: "other"; type: string; id: string };

export type BlastState = { state: "loading" } | { state: "failed"; reason: string } | { state: "ok"; radius: Radius };

interface Page {
  data: unknown[];
  meta?: { has_more?: boolean; next_cursor?: string | null };
}

const readNode = async (id: string): Promise<NodeRef> => {
  const res = await api<{ data: { id: string; name: string } }>("GET", `/api/v1/nodes/${encodeURIComponent(id)}`);
  return { id: res.data.id, name: res.data.name };
};

async function readInstancesOf(nodeId: string): Promise<Counted<InstanceRef>> {
  const pages: { data: InstanceRef[]; has_more: boolean }[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_INSTANCE_PAGES; i++) {
    const q = new URLSearchParams({ node_id: nodeId, limit: "200" });
    if (cursor) q.set("cursor", cursor);
    const page: Page = await api<Page>("GET", `/api/v1/node_instances?${q}`);
    const data = page.data.map(instanceRefOf).filter((r): r is InstanceRef => r !== null);
    const hasMore = page.meta?.has_more === true && typeof page.meta.next_cursor === "string";
    pages.push({ data, has_more: hasMore });
    if (!hasMore) break;
    cursor = page.meta?.next_cursor ?? null;
  }
  return countPages(pages);
}

async function readRadius(target: BlastTarget): Promise<Radius> {
  if (target.kind === "instance") {
    const res = await api<{ data: unknown }>("GET", `/api/v1/node_instances/${encodeURIComponent(target.id)}`);
    const instance = instanceRefOf(res.data);
    if (!instance) throw new Error("the API's instance has no id or name");
    // The node's name is a courtesy: without it the node is still linked by id.
    const node = instance.node_id ? await readNode(instance.node_id).catch(() => null) : null;
    return { kind: "instance", instance, node };
  }
  if (target.kind === "node") {
    const [node, instances] = await Promise.all([readNode(target.id), readInstancesOf(target.id)]);
    return { kind: "node", node, instances };
  }
  return { kind: "other", type: target.type, id: target.id };
}

const reasonOf = (err: unknown) =>
  err instanceof ApiError
    ? err.status === 404
      ? `not found (${err.problem.detail ?? "it may have been removed"})`
      : (err.problem.detail ?? err.message)
    : err instanceof Error && err.message
      ? err.message
      : "the API is unreachable";

/** `target` null: nothing to read yet (the request is loading). */
export function useBlastRadius(target: BlastTarget | null): { blast: BlastState; retry: () => void } {
  const [blast, setBlast] = useState<BlastState>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  const key = target ? `${target.kind}:${target.kind === "other" ? target.type : ""}:${target.id}` : null;
  useEffect(() => {
    if (!target) return;
    let alive = true;
    setBlast({ state: "loading" });
    readRadius(target).then(
      (radius) => alive && setBlast({ state: "ok", radius }),
      (err: unknown) => alive && setBlast({ state: "failed", reason: reasonOf(err) }),
    );
    return () => {
      alive = false;
    };
  }, [key, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { blast, retry };
}
