// A small, dependency-free text table for the CLI's human output: aligned columns, long cells
// truncated, RFC 3339 timestamps shortened, and control characters from the server neutralised.

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
// Server data is untrusted text for a terminal: an escape sequence in a name must not reach it raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `2025-01-02T03:04:05.678Z` → `2025-01-02 03:04:05Z` (always UTC). */
export function shortTimestamp(value: string): string {
  if (!ISO_TIMESTAMP.test(value)) return value;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return value;
  return `${t.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

const length = (s: string) => [...s].length;

export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** One value as cell text: `-` for nothing, lists joined, objects as compact JSON. */
export function formatCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "-";
  else if (typeof value === "string") text = shortTimestamp(value);
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") text = String(value);
  else if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    text =
      value.length === 0 ? "[]" : value.map((v) => (typeof v === "string" ? shortTimestamp(v) : String(v))).join(", ");
  } else text = JSON.stringify(value);
  return text.replace(CONTROL, " ");
}

export interface TableOptions {
  /** Longest cell before truncation (default 40; ids, 36 chars, fit). */
  maxCellWidth?: number;
}

/** Rows as an aligned table with an upper-case header; lines carry no trailing spaces. */
export function renderTable(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
  opts: TableOptions = {},
) {
  const max = opts.maxCellWidth ?? 40;
  const header = columns.map((c) => c.toUpperCase());
  const body = rows.map((row) => columns.map((c) => truncate(formatCell(row[c]), max)));
  const widths = columns.map((_, i) =>
    Math.max(length(header[i] as string), ...body.map((cells) => length(cells[i] as string))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell + " ".repeat((widths[i] as number) - length(cell)))
      .join("  ")
      .trimEnd();
  return `${[header, ...body].map(line).join("\n")}\n`;
}

/** Key/value rows for one object, keys aligned. */
export function renderKeyValue(pairs: readonly [string, unknown][], opts: TableOptions = {}) {
  const max = opts.maxCellWidth ?? 100;
  const keys = pairs.map(([k]) => k.replace(CONTROL, " "));
  const width = Math.max(0, ...keys.map(length));
  return pairs
    .map(([, v], i) => [keys[i] as string, v] as const)
    .map(([k, v]) => `${k}${" ".repeat(width - length(k))}  ${truncate(formatCell(v), max)}`.trimEnd())
    .join("\n")
    .concat(pairs.length ? "\n" : "");
}
