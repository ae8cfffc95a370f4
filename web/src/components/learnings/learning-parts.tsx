// Small pieces the learnings list and detail share: polarity/status/category badges (the word is
// always shown, the colour only a hint), a 0..1 score as a bar with its number, and tags as chips
// that open the list filtered by that tag.
import Link from "next/link";
import { POLARITY_TONE, STATUS_TONE, scoreText, words } from "./learning-model";
import styles from "./learnings.module.css";
import type { Learning } from "./types";

export function PolarityBadge({ polarity }: { polarity: Learning["polarity"] }) {
  return <span className={`badge ${POLARITY_TONE[polarity]}`}>{polarity}</span>;
}

export function LearningStatusBadge({ status }: { status: Learning["status"] }) {
  return <span className={`badge ${STATUS_TONE[status]}`}>{status}</span>;
}

export function LearningBadges({ learning: l }: { learning: Learning }) {
  return (
    <p className={styles.badges}>
      <PolarityBadge polarity={l.polarity} />
      <LearningStatusBadge status={l.status} />
      <span className="badge">{words(l.category)}</span>
      <span className="badge">{words(l.source)}</span>
    </p>
  );
}

/** The bar is decoration: the number beside it is what is read. */
export function ScoreMeter({ label, score }: { label: string; score: number }) {
  return (
    <span className={styles.score} title={`${label} ${scoreText(score)} of 1`}>
      <meter className={styles.meter} min={0} max={1} value={score} aria-hidden="true" />
      <span>{scoreText(score)}</span>
    </span>
  );
}

export function TagChips({ tags }: { tags: readonly string[] }) {
  return (
    <span className={styles.chips}>
      {tags.map((t) => (
        <Link key={t} className={styles.chip} href={`/learnings?tag=${encodeURIComponent(t)}`}>
          <span className="visually-hidden">tag </span>
          {t}
        </Link>
      ))}
    </span>
  );
}
