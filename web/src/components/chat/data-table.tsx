"use client";
// A tool's list result as a table: sortable by any column (click or Enter/Space on the header),
// with its row count in the caption and entity ids linked to their pages.
import Link from "next/link";
import { useMemo, useState } from "react";
import styles from "./chat.module.css";
import { cellText, columnsOf, entityHref, type SortDir, sortRows } from "./table-columns";

export function DataTable({
  rows,
  title,
  toolName,
  more,
}: {
  rows: Record<string, unknown>[];
  title: string;
  toolName: string;
  more: boolean;
}) {
  const [sort, setSort] = useState<{ key: string | null; dir: SortDir }>({ key: null, dir: "ascending" });
  const { columns, hidden } = useMemo(() => columnsOf(rows), [rows]);
  const sorted = useMemo(() => sortRows(rows, sort.key, sort.dir), [rows, sort]);
  const toggle = (key: string) =>
    setSort((s) => ({ key, dir: s.key === key && s.dir === "ascending" ? "descending" : "ascending" }));
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <div className={styles.tableWrap} tabIndex={0}>
      <table>
        <caption className={styles.caption}>
          {title}: {rows.length} {rows.length === 1 ? "row" : "rows"}
          {more ? " (more exist)" : ""}
          {hidden > 0 ? `; ${hidden} more ${hidden === 1 ? "field" : "fields"} in the raw result` : ""}
        </caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort.key === c;
              return (
                <th key={c} scope="col" aria-sort={active ? sort.dir : "none"}>
                  <button type="button" className={styles.sortButton} onClick={() => toggle(c)}>
                    {c}
                    <span aria-hidden="true" className={styles.sortMark}>
                      {active ? (sort.dir === "ascending" ? "▲" : "▼") : "↕"}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map(({ row, index }) => (
            <tr key={index}>
              {columns.map((c) => {
                const text = cellText(row[c]);
                const href = entityHref(toolName, c, row[c]);
                return (
                  <td key={c} className={c === "id" || c.endsWith("_id") ? `mono ${styles.idCell}` : undefined}>
                    {href ? <Link href={href}>{text}</Link> : text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
