"use client";
// Attribution on an event's page (spec/ui.md §5): an event naming an instance and a module offers
// Confirm cause / Reject cause / Add note for that module right there (the kind of cause suggested
// by the event, changeable), and every event naming an instance offers "Analyze cause" for it.
import Link from "next/link";
import { useId, useState } from "react";
import { useSession } from "@/components/shell/session-context";
import { hasScope } from "@/lib/session";
import styles from "./attribution.module.css";
import { FEEDBACK_SCOPE, isCandidateKind, isMine, KIND_LABEL } from "./attribution-model";
import { AttributionPanel } from "./attribution-panel";
import { FeedbackControls } from "./feedback-controls";
import { CANDIDATE_KINDS, type CandidateKind, type FeedbackEntry } from "./types";

export interface EventAttributionProps {
  instanceId: string;
  instanceName: string | null;
  module: { id: string; name: string | null } | null;
  suggestedKind: CandidateKind;
  /** When the event is itself a Confirm/Reject: the decision it records (shown as "You …" if it is the viewer's). */
  recordedHere: { kind: CandidateKind; entry: FeedbackEntry } | null;
}

export function EventAttribution({
  instanceId,
  instanceName,
  module,
  suggestedKind,
  recordedHere,
}: EventAttributionProps) {
  const id = useId();
  const session = useSession();
  const [kind, setKind] = useState<CandidateKind>(suggestedKind);
  const refusal = hasScope(session?.scopes ?? [], FEEDBACK_SCOPE) ? null : `missing permission: ${FEEDBACK_SCOPE}`;
  const instanceLabel = instanceName ?? `instance ${instanceId.slice(0, 8)}`;
  const mine =
    recordedHere && recordedHere.kind === kind && isMine(recordedHere.entry, session?.user?.id ?? null)
      ? recordedHere.entry
      : null;
  return (
    <>
      {module ? (
        <section className={styles.panel} aria-labelledby={`${id}-title`}>
          <h2 id={`${id}-title`} className={styles.title}>
            Was this the cause?
          </h2>
          <div className={styles.direct}>
            <p className={styles.directLine}>
              This event names module <strong>{module.name ?? <span className="mono">{module.id}</span>}</strong> on{" "}
              <Link href={`/instances/${instanceId}`}>{instanceLabel}</Link>. Confirm or reject it as the cause of the
              instance's trouble; the answer is recorded as a learning.
            </p>
            <div className={styles.field}>
              <label htmlFor={`${id}-kind`}>Kind of cause</label>
              <select
                id={`${id}-kind`}
                value={kind}
                onChange={(e) => {
                  if (isCandidateKind(e.target.value)) setKind(e.target.value);
                }}
              >
                {CANDIDATE_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABEL[k]}
                  </option>
                ))}
              </select>
            </div>
            <FeedbackControls
              key={kind}
              instanceId={instanceId}
              target={{ module_id: module.id, module_name: module.name ?? `module ${module.id.slice(0, 8)}`, kind }}
              recorded={mine ? { learning_id: mine.learning_id, confirmed: mine.confirmed, at: mine.at } : null}
              refusal={refusal}
              headingLevel={3}
            />
          </div>
        </section>
      ) : null}
      <AttributionPanel instanceId={instanceId} />
    </>
  );
}
