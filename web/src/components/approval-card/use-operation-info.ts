"use client";
// The API's description of one operation, read from /openapi.json once per tab (the document is
// the same for every card) and indexed by operationId. A failed read is "unknown", with a retry.
import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "@/lib/api-client";
import { indexOperations, type OperationInfo } from "./operation-info";

let catalog: Promise<Map<string, OperationInfo>> | null = null;

function loadCatalog(): Promise<Map<string, OperationInfo>> {
  if (!catalog) {
    catalog = api<unknown>("GET", "/openapi.json").then(indexOperations);
    // A failure is not cached: the next card (or Retry) asks again.
    catalog.catch(() => {
      catalog = null;
    });
  }
  return catalog;
}

export type OperationLookup =
  | { state: "loading" }
  | { state: "failed"; reason: string }
  /** `info` is null when the API has no operation of that name. */
  | { state: "ok"; info: OperationInfo | null };

export function useOperationInfo(operation: string | null): { lookup: OperationLookup; retry: () => void } {
  const [lookup, setLookup] = useState<OperationLookup>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!operation) {
      setLookup({ state: "ok", info: null });
      return;
    }
    let alive = true;
    setLookup({ state: "loading" });
    loadCatalog().then(
      (index) => {
        if (alive) setLookup({ state: "ok", info: index.get(operation) ?? null });
      },
      (err: unknown) => {
        if (!alive) return;
        const reason = err instanceof ApiError ? (err.problem.detail ?? err.message) : "the API is unreachable";
        setLookup({ state: "failed", reason });
      },
    );
    return () => {
      alive = false;
    };
  }, [operation, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { lookup, retry };
}
