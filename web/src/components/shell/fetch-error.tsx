"use client";
// A failed server-side read, shown as what it is ("unknown", never zero or empty) with a Retry that
// re-renders the page's server components.
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import type { Problem } from "@/lib/api-types";
import { problemText } from "@/lib/problem-text";

export function FetchError({ what, status, problem }: { what: string; status: number; problem: Problem }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <div className="error-box" role="alert">
      <p>
        Could not load {what} — it is unknown right now. {problemText(status, problem)}
      </p>
      <button type="button" onClick={() => startTransition(() => router.refresh())} disabled={pending}>
        {pending ? "Retrying…" : "Retry"}
      </button>
    </div>
  );
}
