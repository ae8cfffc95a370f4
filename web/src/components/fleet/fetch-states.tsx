"use client";
// The states every data view can be in besides "loaded" (spec/ui.md §1.2, §2): loading, empty, an
// error with Retry (never a zero standing in for unknown), signed out, and permission denied, which
// names the missing scope the server reported.
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { ApiError } from "@/lib/api-client";
import type { Problem } from "@/lib/api-types";
import styles from "./states.module.css";

export interface Failure {
  status: number;
  problem: Problem;
}

/** A thrown value from `api()` (or anything else) as a failure the states below can show. */
export function toFailure(err: unknown): Failure {
  if (err instanceof ApiError) return { status: err.status, problem: err.problem };
  return { status: 0, problem: { status: 0, detail: err instanceof Error ? err.message : String(err) } };
}

export function missingScope(problem: Problem): string | null {
  const scope = (problem as Problem & { required_scope?: unknown }).required_scope;
  return typeof scope === "string" ? scope : null;
}

export function LoadingState({ what }: { what: string }) {
  return (
    <p className={styles.loading} role="status">
      Loading {what}…
    </p>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className={styles.empty}>{children}</p>;
}

/**
 * A failed read. `onRetry` re-runs a client fetch; without it Retry re-renders the server page.
 * 403 shows "missing permission: <scope>", 401 links to sign-in, anything else the server's detail.
 */
export function FailureState({ failure, what, onRetry }: { failure: Failure; what: string; onRetry?: () => void }) {
  const router = useRouter();
  const retry = onRetry ?? (() => router.refresh());
  const { status, problem } = failure;
  if (status === 403) {
    const scope = missingScope(problem);
    return (
      <div className={styles.denied} role="alert">
        <strong>{scope ? `missing permission: ${scope}` : "missing permission"}</strong>
        <p>{problem.detail ?? `You may not read ${what}.`}</p>
      </div>
    );
  }
  if (status === 401) {
    return (
      <div className="error-box" role="alert">
        You are signed out. <a href="/signin">Sign in</a> to see {what}.
      </div>
    );
  }
  if (status === 404) {
    return (
      <div className="error-box" role="alert">
        Not found: {what} does not exist, or is not in your account.
      </div>
    );
  }
  const detail =
    status === 0 ? (problem.detail ?? "the API is unreachable") : (problem.detail ?? problem.title ?? `HTTP ${status}`);
  return (
    <div className={`error-box ${styles.failure}`} role="alert">
      <span>
        Could not load {what}; it is unknown right now. {detail}
      </span>
      <button type="button" onClick={retry}>
        Retry
      </button>
    </div>
  );
}

/** A value that failed to load, shown inline where a number would be: "unknown", never 0. */
export function Unknown({ onRetry }: { onRetry?: () => void }) {
  return (
    <span className={styles.unknown}>
      unknown
      {onRetry ? (
        <button type="button" className={styles.inlineRetry} onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </span>
  );
}
