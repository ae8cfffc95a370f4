// One learning in full (spec/ui.md §10 "Detail"): title with polarity and status, content, the
// scores (null effectiveness "not measured"), tags as chips that filter the list, the situation it
// describes as recorded, evidence linked where it names an object with a page, and its times.
import Link from "next/link";
import { RelativeTime } from "../fleet/relative-time";
import type { EvidenceItem } from "./evidence-read";
import { scoreText, words } from "./learning-model";
import { LearningBadges, ScoreMeter, TagChips } from "./learning-parts";
import styles from "./learnings.module.css";
import type { Learning } from "./types";

function When({ iso }: { iso: string | null }) {
  if (!iso) return <>never</>;
  return (
    <>
      <RelativeTime iso={iso} /> <span className={styles.iso}>({iso})</span>
    </>
  );
}

export function LearningDetail({ learning: l, evidence }: { learning: Learning; evidence: EvidenceItem[] }) {
  return (
    <>
      <LearningBadges learning={l} />
      <section className={styles.panel} aria-labelledby="learning-content">
        <h2 id="learning-content" className={styles.h2}>
          Content
        </h2>
        {l.content ? <p className={styles.content}>{l.content}</p> : <p className={styles.muted}>No content.</p>}
        {l.contradiction_note ? (
          <p className={styles.contradiction}>
            <strong>Contradicted:</strong> {l.contradiction_note}
          </p>
        ) : null}
      </section>
      <section className={styles.panel} aria-labelledby="learning-facts">
        <h2 id="learning-facts" className={styles.h2}>
          Details
        </h2>
        <dl className={styles.facts}>
          <dt>Source</dt>
          <dd>{words(l.source)}</dd>
          <dt>Category</dt>
          <dd>{words(l.category)}</dd>
          <dt>Action category</dt>
          <dd className="mono">{l.action_category}</dd>
          <dt>Signal kind</dt>
          <dd className="mono">{l.signal_kind ?? "none"}</dd>
          <dt>Importance</dt>
          <dd>
            <ScoreMeter label="Importance" score={l.importance_score} />
          </dd>
          <dt>Confidence</dt>
          <dd>
            <ScoreMeter label="Confidence" score={l.confidence_score} />
          </dd>
          <dt>Effectiveness</dt>
          <dd>
            {l.effectiveness_score === null ? (
              <span className={styles.muted}>{scoreText(null)} (needs at least 3 uses)</span>
            ) : (
              <ScoreMeter label="Effectiveness" score={l.effectiveness_score} />
            )}
          </dd>
          <dt>Times recorded or used</dt>
          <dd>{l.access_count}</dd>
          <dt>Embedding</dt>
          <dd>{l.embedding_status}</dd>
          <dt>Tags</dt>
          <dd>{l.tags.length > 0 ? <TagChips tags={l.tags} /> : "none"}</dd>
          <dt>Last reinforced</dt>
          <dd>
            <When iso={l.last_reinforced_at} />
          </dd>
          <dt>Created</dt>
          <dd>
            <When iso={l.created_at} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <When iso={l.updated_at} />
          </dd>
          <dt>Learning id</dt>
          <dd className="mono">{l.id}</dd>
        </dl>
      </section>
      <section className={styles.panel} aria-labelledby="learning-situation">
        <h2 id="learning-situation" className={styles.h2}>
          Situation
        </h2>
        <pre className={styles.situation}>{l.situation_text}</pre>
      </section>
      <section className={styles.panel} aria-labelledby="learning-evidence">
        <h2 id="learning-evidence" className={styles.h2}>
          Evidence
        </h2>
        {evidence.length === 0 ? (
          <p className={styles.muted}>No evidence ids recorded.</p>
        ) : (
          <ul className={styles.evidence}>
            {evidence.map((e) => (
              <li key={e.raw}>
                {e.href ? (
                  <Link href={e.href}>{e.label}</Link>
                ) : (
                  <span>
                    {e.kind ? `${e.kind} ` : ""}
                    <span className="mono">{e.label}</span>
                  </span>
                )}
                {e.href ? <span className={`mono ${styles.muted}`}> {e.raw}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
