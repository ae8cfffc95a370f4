"use client";
// "Analyze cause" for one instance (spec/ui.md §5, §7): a lookback of 1–168 hours (default 24),
// Analyze / Re-analyze, then the reasoning, a confidence badge and the ranked suspects, each with
// Confirm/Reject. A failed analysis is "unknown" with Retry, never "no candidates"; a degraded
// search for earlier feedback says that feedback may be incomplete.
import { type RefObject, useEffect, useId, useRef, useState } from "react";
import { useUserNames } from "@/components/approval-card/use-user-names";
import { useSession } from "@/components/shell/session-context";
import { hasScope } from "@/lib/session";
import { EmptyState, FailureState, LoadingState } from "../fleet/fetch-states";
import { TimeAt } from "../fleet/relative-time";
import { useNow } from "../fleet/use-now";
import styles from "./attribution.module.css";
import {
  ANALYZE_SCOPE,
  candidateKey,
  confidenceBand,
  degradedText,
  FEEDBACK_SCOPE,
  LOOKBACK_DEFAULT,
  LOOKBACK_MAX,
  LOOKBACK_MIN,
  parseLookback,
  problemFields,
} from "./attribution-model";
import { CandidateItem } from "./candidate-item";
import type { Analysis, FeedbackEntry } from "./types";
import { useAttribution } from "./use-attribution";

export interface AttributionPanelProps {
  instanceId: string;
  /** The panel title's level in the page outline (default 2). */
  headingLevel?: 2 | 3;
}

function actorName(entry: FeedbackEntry, userName: (id: string | null) => string): string {
  if (entry.actor_type === "user") return userName(entry.actor_id);
  if (entry.actor_type === "token") return "a service token";
  if (entry.actor_type === "agent") return "an agent";
  return entry.actor_type;
}

export function AttributionPanel({ instanceId, headingLevel = 2 }: AttributionPanelProps) {
  const id = useId();
  const session = useSession();
  const scopes = session?.scopes ?? [];
  const canRead = hasScope(scopes, ANALYZE_SCOPE);
  const feedbackRefusal = hasScope(scopes, FEEDBACK_SCOPE) ? null : `missing permission: ${FEEDBACK_SCOPE}`;
  const { state, analyze } = useAttribution(instanceId);
  const [lookback, setLookback] = useState(String(LOOKBACK_DEFAULT));
  const [lookbackError, setLookbackError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const resultsRef = useRef<HTMLHeadingElement>(null);
  const [focusResults, setFocusResults] = useState(false);
  const H = headingLevel === 2 ? "h2" : "h3";
  const Sub = headingLevel === 2 ? "h3" : "h4";

  // Move focus to the answer once it is there (the button that started it stays put otherwise).
  useEffect(() => {
    if (!focusResults || state.status === "loading") return;
    setFocusResults(false);
    resultsRef.current?.focus();
  }, [focusResults, state.status]);

  const run = () => {
    const parsed = parseLookback(lookback);
    if (!parsed.ok) {
      setLookbackError(parsed.message);
      inputRef.current?.focus();
      return;
    }
    setLookbackError(null);
    setFocusResults(true);
    analyze(parsed.value);
  };

  const analyzed = state.status === "ready" || (state.status === "loading" && state.previous !== null);
  const inputId = `${id}-lookback`;
  const hintId = `${id}-lookback-hint`;
  const errorId = `${id}-lookback-error`;
  const refusalId = `${id}-refusal`;

  return (
    <section className={styles.panel} aria-labelledby={`${id}-title`}>
      <H id={`${id}-title`} className={styles.title}>
        Analyze cause
      </H>
      <p className={styles.intro}>
        Ranks the assignment changes, promotions and module events before now that may explain this instance's trouble.
        Confirming or rejecting a cause is recorded as a learning that weighs on later analyses.
      </p>
      <form
        className={styles.form}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <div className={styles.field}>
          <label htmlFor={inputId}>Lookback (hours)</label>
          <input
            id={inputId}
            ref={inputRef}
            type="number"
            inputMode="numeric"
            min={LOOKBACK_MIN}
            max={LOOKBACK_MAX}
            step={1}
            value={lookback}
            onChange={(e) => {
              setLookback(e.target.value);
              if (lookbackError) setLookbackError(null);
            }}
            aria-invalid={lookbackError ? true : undefined}
            aria-describedby={lookbackError ? `${hintId} ${errorId}` : hintId}
            className={styles.lookback}
          />
          <span id={hintId} className={styles.why}>
            {LOOKBACK_MIN}–{LOOKBACK_MAX} h, default {LOOKBACK_DEFAULT}
          </span>
        </div>
        <button
          type="submit"
          className="primary"
          disabled={!canRead || state.status === "loading"}
          aria-describedby={canRead ? undefined : refusalId}
        >
          {state.status === "loading" ? "Analyzing…" : analyzed ? "Re-analyze" : "Analyze"}
        </button>
        {canRead ? null : (
          <span id={refusalId} className={styles.why}>
            missing permission: {ANALYZE_SCOPE}
          </span>
        )}
      </form>
      {lookbackError ? (
        <p id={errorId} className={styles.fieldError} role="alert">
          {lookbackError}
        </p>
      ) : null}
      {state.status === "loading" ? <LoadingState what="suspected causes" /> : null}
      {state.status === "failed" ? (
        <div className={styles.results}>
          <Sub ref={resultsRef} tabIndex={-1} className={styles.resultsTitle}>
            Suspected causes: <span className={styles.unknown}>unknown</span>
          </Sub>
          <FailureState failure={state.failure} what="the suspected causes" onRetry={() => analyze(state.hours)} />
          {problemFields(state.failure.problem).length > 0 ? (
            <ul className={styles.fields}>
              {problemFields(state.failure.problem).map((f) => (
                <li key={f} className="mono">
                  {f}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {state.status === "ready" ? (
        <Results
          analysis={state.analysis}
          stale={state.stale}
          headingLevel={headingLevel}
          headingRef={resultsRef}
          userId={session?.user?.id ?? null}
          feedbackRefusal={feedbackRefusal}
        />
      ) : null}
    </section>
  );
}

function Results({
  analysis: a,
  stale,
  headingLevel,
  headingRef,
  userId,
  feedbackRefusal,
}: {
  analysis: Analysis;
  stale: boolean;
  headingLevel: 2 | 3;
  headingRef: RefObject<HTMLHeadingElement | null>;
  userId: string | null;
  feedbackRefusal: string | null;
}) {
  const now = useNow(15_000);
  const H = headingLevel === 2 ? "h3" : "h4";
  const band = confidenceBand(a.confidence);
  const degraded = degradedText(a.degraded);
  const userIds = a.candidates.flatMap((c) => c.feedback.filter((f) => f.actor_type === "user").map((f) => f.actor_id));
  const userName = useUserNames(userIds);
  const nameOf = (entry: FeedbackEntry) => actorName(entry, userName);
  return (
    <div className={styles.results}>
      <div className={styles.resultsHead}>
        <H ref={headingRef} tabIndex={-1} className={styles.resultsTitle}>
          Suspected causes
        </H>
        <span className={`badge ${band.tone}`}>{band.text}</span>
        <span className={styles.why}>
          last {a.lookback_hours} h, from <TimeAt iso={a.cutoff} now={now} />
        </span>
      </div>
      {a.reasoning ? <p className={styles.reasoning}>{a.reasoning}</p> : null}
      {degraded ? (
        <p className={styles.degraded} role="note">
          {degraded}
        </p>
      ) : null}
      {stale ? (
        <p className={styles.degraded} role="note">
          Live updates were interrupted: feedback given meanwhile may be missing here. Re-analyze for the latest.
        </p>
      ) : null}
      {a.candidates.length === 0 ? (
        <EmptyState>
          No suspected causes: no assignment changes, promotions or module events in the last {a.lookback_hours} h.
        </EmptyState>
      ) : (
        <ol className={styles.candidates} aria-label="Suspected causes, most likely first">
          {a.candidates.map((c, i) => (
            <CandidateItem
              key={candidateKey(c)}
              instanceId={a.instance_id}
              candidate={c}
              rank={i + 1}
              userId={userId}
              nameOf={nameOf}
              refusal={feedbackRefusal}
              headingLevel={headingLevel === 2 ? 4 : 5}
            />
          ))}
        </ol>
      )}
    </div>
  );
}
