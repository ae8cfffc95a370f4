"use client";
// A small horizontal bar chart in inline SVG: one labelled bar per category with its value as text,
// so the chart reads without colour; "Show data" swaps in the same figures as a table.
import { useId, useState } from "react";
import styles from "./charts.module.css";

export type Tone = "ok" | "warn" | "danger" | "neutral" | "accent";

export interface Bar {
  label: string;
  value: number;
  tone?: Tone;
}

const ROW = 22;
const LABEL_W = 118;
const VALUE_W = 44;
const WIDTH = 360;

export function BarChart({ title, bars, unit = "" }: { title: string; bars: readonly Bar[]; unit?: string }) {
  const [showData, setShowData] = useState(false);
  const tableId = useId();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const barSpace = WIDTH - LABEL_W - VALUE_W;
  const height = bars.length * ROW + 4;
  const summary = bars.map((b) => `${b.label} ${b.value}${unit}`).join(", ");
  return (
    <figure className={styles.figure}>
      <figcaption className={styles.caption}>
        <span>{title}</span>
        <button
          type="button"
          className={styles.toggle}
          aria-expanded={showData}
          aria-controls={tableId}
          onClick={() => setShowData((v) => !v)}
        >
          {showData ? "Show chart" : "Show data"}
        </button>
      </figcaption>
      {showData ? (
        <table id={tableId} className={styles.table}>
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.label}>
                <td>{b.label}</td>
                <td>
                  {b.value}
                  {unit}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <svg
          className={styles.svg}
          viewBox={`0 0 ${WIDTH} ${height}`}
          role="img"
          aria-label={`${title}: ${summary}`}
          preserveAspectRatio="xMinYMin meet"
        >
          {bars.map((b, i) => {
            const y = i * ROW + 2;
            const w = b.value === 0 ? 0 : Math.max(2, (b.value / max) * barSpace);
            return (
              <g key={b.label} className={styles[b.tone ?? "accent"]}>
                <text x={LABEL_W - 6} y={y + ROW / 2 + 4} textAnchor="end" className={styles.label}>
                  {b.label}
                </text>
                <rect x={LABEL_W} y={y + 3} width={w} height={ROW - 8} rx={3} className={styles.bar} />
                <text x={LABEL_W + w + 6} y={y + ROW / 2 + 4} className={styles.value}>
                  {b.value}
                  {unit}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
