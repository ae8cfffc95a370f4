"use client";
// Decisions for the rows on screen (the list has none): approval_request.get per row, a few at a
// time, cached by the row's updated_at so a refetch reads only what changed. Used for the
// approvals x/y column and to skip requests the viewer already decided.
import { useEffect, useRef, useState } from "react";
import { api } from "@/lib/api-client";
import { type ApprovalDecision, approvalPath } from "@/lib/approval-types";
import type { ApprovalListItem, ApprovalRequest } from "./types";

const PARALLEL = 4;

export type DetailState = { decisions: ApprovalDecision[] } | "failed";

export function useApprovalDetails(rows: readonly ApprovalListItem[]): Record<string, DetailState | undefined> {
  const [details, setDetails] = useState<Record<string, DetailState>>({});
  const loaded = useRef(new Map<string, string>());
  const key = rows.map((r) => `${r.id}@${r.updated_at}`).join(",");
  useEffect(() => {
    let alive = true;
    const wanted = key
      .split(",")
      .filter(Boolean)
      .map((k) => k.split("@") as [string, string])
      .filter(([id, at]) => loaded.current.get(id) !== at);
    let next = 0;
    const worker = async () => {
      while (alive && next < wanted.length) {
        const [id, at] = wanted[next++]!;
        try {
          const res = await api<{ data: ApprovalRequest }>("GET", approvalPath(id));
          if (!alive) return;
          loaded.current.set(id, at);
          setDetails((d) => ({ ...d, [id]: { decisions: res.data.decisions } }));
        } catch {
          if (alive) setDetails((d) => ({ ...d, [id]: "failed" }));
        }
      }
    };
    for (let i = 0; i < PARALLEL; i++) void worker();
    return () => {
      alive = false;
    };
  }, [key]);
  return details;
}
