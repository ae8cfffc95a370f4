"use client";
// The queue's filter bar: status (read from the server), category, expiry window, text and sort.
import styles from "./approvals.module.css";
import type { QueueFilters } from "./filters";
import { APPROVAL_STATUSES } from "./types";

export function QueueFiltersBar({
  filters,
  categories,
  onChange,
}: {
  filters: QueueFilters;
  categories: readonly string[];
  onChange: (next: QueueFilters) => void;
}) {
  const set = <K extends keyof QueueFilters>(key: K, value: QueueFilters[K]) => onChange({ ...filters, [key]: value });
  const allCategories = [...new Set([...categories, ...(filters.category ? [filters.category] : [])])].sort();
  return (
    <search aria-label="Filter approval requests">
      <form className={styles.filters} onSubmit={(e) => e.preventDefault()}>
        <label className={styles.field}>
          <span>Status</span>
          <select value={filters.status} onChange={(e) => set("status", e.target.value as QueueFilters["status"])}>
            {APPROVAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            <option value="all">all</option>
          </select>
        </label>
        <label className={styles.field}>
          <span>Category</span>
          <select value={filters.category} onChange={(e) => set("category", e.target.value)}>
            <option value="">all categories</option>
            {allCategories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className={styles.field}>
          <span>Expires within</span>
          <select
            value={filters.expires ?? ""}
            onChange={(e) => set("expires", e.target.value === "1h" || e.target.value === "4h" ? e.target.value : null)}
          >
            <option value="">any time</option>
            <option value="1h">1 h</option>
            <option value="4h">4 h</option>
          </select>
        </label>
        <label className={`${styles.field} ${styles.grow}`}>
          <span>Search</span>
          <input
            type="search"
            value={filters.q}
            placeholder="description, target, reason…"
            onChange={(e) => set("q", e.target.value)}
          />
        </label>
        <label className={styles.field}>
          <span>Sort</span>
          <select value={filters.sort} onChange={(e) => set("sort", e.target.value === "newest" ? "newest" : "expiry")}>
            <option value="expiry">expiry (soonest first)</option>
            <option value="newest">newest first</option>
          </select>
        </label>
      </form>
    </search>
  );
}
