"use client";
// The small bar chart of counts by status (or severity, state) above a list result in the chat, with
// "Show data" for the same figures as a table. Renders nothing when the rows have no such column.
import { useMemo } from "react";
import { BarChart } from "@/components/charts/bar-chart";
import styles from "./chat.module.css";
import { chartTitle, statusChart } from "./status-chart";

export function ResultChart({
  rows,
  what,
  more = false,
}: {
  rows: readonly Record<string, unknown>[];
  /** What the rows are, for the title: "Instance list results". */
  what: string;
  more?: boolean;
}) {
  const chart = useMemo(() => statusChart(rows), [rows]);
  if (!chart) return null;
  return (
    <div className={styles.resultChart}>
      <BarChart title={chartTitle(chart, what, more)} bars={chart.bars} />
    </div>
  );
}
