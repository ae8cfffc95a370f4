"use client";
// The learnings list's filters as a GET form: submitting it changes the query string (spec/ui.md
// §1.5), so a filtered list survives reload and can be linked. With script the URL carries only the
// filters set (no empty parameters); without it the browser submits the plain form.
import Link from "next/link";
import { useRouter } from "next/navigation";
import {
  DEFAULT_LIMIT,
  hasFilters,
  type LearningFilters,
  learningsHref,
  parseLearningFilters,
  words,
} from "./learning-model";
import styles from "./learnings.module.css";
import { LEARNING_CATEGORIES, LEARNING_POLARITIES, LEARNING_SOURCES, LEARNING_STATUSES } from "./types";

function Choice({
  name,
  label,
  values,
  value,
}: {
  name: string;
  label: string;
  values: readonly string[];
  value: string | null;
}) {
  return (
    <label className={styles.field}>
      <span>{label}</span>
      <select name={name} defaultValue={value ?? ""}>
        <option value="">any</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {words(v)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function LearningFiltersForm({ filters }: { filters: LearningFilters }) {
  const router = useRouter();
  return (
    <search aria-label="Filter learnings">
      <form
        action="/learnings"
        method="get"
        className={styles.filters}
        onSubmit={(e) => {
          e.preventDefault();
          const entries = [...new FormData(e.currentTarget).entries()].map(([k, v]) => [k, String(v)]);
          router.push(learningsHref(parseLearningFilters(Object.fromEntries(entries)).filters));
        }}
      >
        <Choice name="source" label="Source" values={LEARNING_SOURCES} value={filters.source} />
        <Choice name="polarity" label="Polarity" values={LEARNING_POLARITIES} value={filters.polarity} />
        <Choice name="status" label="Status" values={LEARNING_STATUSES} value={filters.status} />
        <Choice name="category" label="Category" values={LEARNING_CATEGORIES} value={filters.category} />
        <label className={styles.field}>
          <span>Tag</span>
          <input
            name="tag"
            defaultValue={filters.tag ?? ""}
            placeholder="attribution, outcome:rejected…"
            maxLength={200}
          />
        </label>
        <label className={`${styles.field} ${styles.grow}`}>
          <span>Title contains</span>
          <input type="search" name="q" defaultValue={filters.q ?? ""} maxLength={200} />
        </label>
        {filters.limit !== DEFAULT_LIMIT ? <input type="hidden" name="limit" value={filters.limit} /> : null}
        <button type="submit" className="primary">
          Apply filters
        </button>
        {hasFilters(filters) ? <Link href="/learnings">Clear filters</Link> : null}
      </form>
    </search>
  );
}
