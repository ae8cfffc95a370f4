// Human output for a REST response: lists as a table of their scalar fields (a sensible subset
// when there are many), single objects as key/value rows with nested objects flattened.
import { renderKeyValue, renderTable } from "./table.ts";

const MAX_COLUMNS = 7;
// Columns a reader looks for first; created_at goes last when present.
const PREFERRED = [
  "id",
  "name",
  "email",
  "kind",
  "type",
  "status",
  "state",
  "command",
  "subject_type",
  "subject_id",
  "progress",
  "severity",
  "role",
  "enabled",
];
const TRAILING = "created_at";
// Fields whose values are this long on average (keys, digests) make a table unreadable.
const LONG_AVERAGE = 48;

const isScalar = (v: unknown) => v === null || v === undefined || typeof v !== "object";
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** The columns for a list: every scalar field, or a readable subset when there are many. */
export function chooseColumns(items: readonly Record<string, unknown>[], max = MAX_COLUMNS): string[] {
  const seen: string[] = [];
  for (const item of items) for (const key of Object.keys(item)) if (!seen.includes(key)) seen.push(key);
  const scalar = seen.filter((k) => items.every((item) => isScalar(item[k])));
  if (scalar.length <= max) return scalar;
  const filled = (k: string) => items.some((item) => item[k] !== null && item[k] !== undefined && item[k] !== "");
  const short = (k: string) =>
    items.reduce((sum, item) => sum + String(item[k] ?? "").length, 0) / Math.max(1, items.length) <= LONG_AVERAGE;
  const trailing = scalar.includes(TRAILING) ? [TRAILING] : [];
  const budget = max - trailing.length;
  const picked = PREFERRED.filter((k) => scalar.includes(k)).slice(0, budget);
  for (const k of scalar) {
    if (picked.length >= budget) break;
    if (!picked.includes(k) && k !== TRAILING && k !== "updated_at" && filled(k) && short(k)) picked.push(k);
  }
  return [...picked, ...trailing];
}

/** Nested objects become dotted keys; arrays stay whole (the cell renders them). */
export function flatten(value: Record<string, unknown>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(v) && Object.keys(v).length > 0) out.push(...flatten(v, name));
    else out.push([name, v]);
  }
  return out;
}

export interface HumanOutput {
  stdout: string;
  /** Hints that are not data (more pages), kept off stdout so it stays parseable. */
  stderr: string;
}

/** Render a `{data, meta?}` body for a person. */
export function renderHuman(body: unknown): HumanOutput {
  const envelope = isPlainObject(body) ? body : { data: body };
  const data = envelope.data;
  const meta = isPlainObject(envelope.meta) ? envelope.meta : undefined;
  if (Array.isArray(data)) {
    const rows = data.map((d) => (isPlainObject(d) ? d : { value: d }));
    const more =
      meta?.has_more === true && typeof meta.next_cursor === "string"
        ? `more results: repeat with --cursor ${meta.next_cursor}\n`
        : "";
    if (rows.length === 0) return { stdout: "(none)\n", stderr: more };
    return { stdout: renderTable(rows, chooseColumns(rows)), stderr: more };
  }
  if (isPlainObject(data)) return { stdout: renderKeyValue(flatten(data)), stderr: "" };
  return { stdout: `${typeof data === "string" ? data : JSON.stringify(data)}\n`, stderr: "" };
}
