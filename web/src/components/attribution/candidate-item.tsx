"use client";
// One ranked suspect of an analysis: kind, module, score (with the boost or downweight earlier
// feedback applied), up to four reasons, what earlier feedback said, and Confirm/Reject.
import { useId } from "react";
import styles from "./attribution.module.css";
import { adjustmentMarker, feedbackSummary, KIND_LABEL, ownDecision } from "./attribution-model";
import { FeedbackControls } from "./feedback-controls";
import type { Candidate, FeedbackEntry } from "./types";

export interface CandidateItemProps {
  instanceId: string;
  candidate: Candidate;
  rank: number;
  userId: string | null;
  nameOf: (entry: FeedbackEntry) => string;
  refusal: string | null;
  headingLevel: 4 | 5;
}

export function CandidateItem({
  instanceId,
  candidate: c,
  rank,
  userId,
  nameOf,
  refusal,
  headingLevel,
}: CandidateItemProps) {
  const id = useId();
  const H = headingLevel === 4 ? "h4" : "h5";
  const marker = adjustmentMarker(c.adjustment);
  return (
    <li className={styles.candidate} aria-labelledby={`${id}-name`}>
      <div className={styles.candidateHead}>
        <H id={`${id}-name`} className={styles.candidateName}>
          <span className={styles.rank}>#{rank}</span> {c.module_name}
        </H>
        <span className="badge">{KIND_LABEL[c.kind]}</span>
        <span className={styles.score}>
          score {c.score}
          {c.base_score !== c.score ? <span className={styles.why}> (base {c.base_score})</span> : null}
        </span>
        {marker ? (
          <span className={`badge ${styles.marker}`} title={marker.why}>
            {marker.text}
            <span className="visually-hidden">: {marker.why}</span>
          </span>
        ) : null}
        <span className={`mono ${styles.why}`} title={c.module_id}>
          module {c.module_id.slice(0, 8)}
        </span>
      </div>
      {c.reasons.length > 0 ? (
        <ul className={styles.reasons}>
          {c.reasons.slice(0, 4).map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
      <p className={styles.prior}>{feedbackSummary(c.feedback, nameOf)}</p>
      <FeedbackControls
        instanceId={instanceId}
        target={{ module_id: c.module_id, module_name: c.module_name, kind: c.kind }}
        recorded={ownDecision(c.feedback, userId, instanceId)}
        refusal={refusal}
        headingLevel={5}
      />
    </li>
  );
}
