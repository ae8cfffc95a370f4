// Columns, cells, links and ordering for a tool's list result rendered as a table.

export const MAX_COLUMNS = 8;

// Stored results come back from jsonb with their keys reordered, so the order is chosen here: the
// fields that name and describe a thing first, then the rest alphabetically, the id last.
const LEADING = [
  "name",
  "title",
  "display_name",
  "hostname",
  "email",
  "kind",
  "command",
  "status",
  "severity",
  "variety",
  "role",
  "environment",
  "version",
  "last_heartbeat_at",
  "created_at",
];

const isEmpty = (v: unknown) =>
  v === null ||
  v === undefined ||
  v === "" ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/** The columns worth showing (some row has a value), in a fixed order; `hidden` counts the rest. */
export function columnsOf(rows: Record<string, unknown>[]): { columns: string[]; hidden: number } {
  const sample = rows.slice(0, 200);
  const keys = new Set<string>();
  for (const row of sample) for (const k of Object.keys(row)) keys.add(k);
  const filled = [...keys].filter((k) => sample.some((r) => !isEmpty(r[k])));
  const rank = (k: string) => {
    const i = LEADING.indexOf(k);
    if (i >= 0) return i;
    if (k === "id") return 2000;
    if (k.endsWith("_id")) return 1000;
    return 100;
  };
  const ordered = filled.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const shown =
    ordered.length > MAX_COLUMNS
      ? [...ordered.slice(0, MAX_COLUMNS - 1), ...(ordered.includes("id") ? ["id"] : [ordered[MAX_COLUMNS - 1]!])]
      : ordered;
  return { columns: shown, hidden: keys.size - shown.length };
}

export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") return String(v);
  const json = JSON.stringify(v);
  return json.length > 80 ? `${json.slice(0, 79)}…` : json;
}

const ENTITY_PAGES: Record<string, string> = {
  instance: "/instances/",
  node_instance: "/instances/",
  node: "/nodes/",
  approval_request: "/approvals/",
};

/** The page of the entity a cell names: `id` of the tool's own resource, or `<resource>_id`. */
export function entityHref(toolName: string, column: string, value: unknown): string | null {
  if (typeof value !== "string" || value === "") return null;
  let resource: string | null = null;
  if (column === "id") {
    const m = /^(approval_request|node_instance|instance|node)_/.exec(toolName);
    resource = m?.[1] ?? null;
  } else if (column.endsWith("_id")) {
    resource = column.slice(0, -3);
  }
  const base = resource ? ENTITY_PAGES[resource] : undefined;
  return base ? `${base}${encodeURIComponent(value)}` : null;
}

export type SortDir = "ascending" | "descending";

export function compareCells(a: unknown, b: unknown): number {
  const empty = (v: unknown) => v === null || v === undefined || v === "";
  if (empty(a) || empty(b)) return empty(a) === empty(b) ? 0 : empty(a) ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return cellText(a).localeCompare(cellText(b), undefined, { numeric: true, sensitivity: "base" });
}

/** Rows with their original positions (stable keys), ordered by `key`. */
export function sortRows(rows: Record<string, unknown>[], key: string | null, dir: SortDir) {
  const indexed = rows.map((row, index) => ({ row, index }));
  if (!key) return indexed;
  const sign = dir === "ascending" ? 1 : -1;
  // Empty cells stay last in both directions.
  return indexed.sort((x, y) => {
    const a = x.row[key];
    const b = y.row[key];
    const ea = a === null || a === undefined || a === "";
    const eb = b === null || b === undefined || b === "";
    if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
    return sign * compareCells(a, b);
  });
}
