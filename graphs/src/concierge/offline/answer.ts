// The offline model's reply after tool results: one short paragraph per call saying what it did and
// what came back, lists as markdown tables, single objects as field/value tables. Everything shown
// comes from the results; nothing is invented.
import type { ToolOutcome } from "./context.ts";

export const OFFLINE_PREFACE = "Nodepilot's offline model here (no LLM is configured).";

const MAX_ROWS = 20;
const MAX_FIELDS = 16;
/** Columns worth showing first, when a row has them. */
const PREFERRED = [
  "name",
  "email",
  "display_name",
  "discovered_hostname",
  "title",
  "kind",
  "command",
  "status",
  "state",
  "promotion_state",
  "role",
  "severity",
  "action_category",
  "policy",
  "variety",
  "version_number",
  "enabled",
  "target_size",
  "last_heartbeat_at",
  "created_at",
];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  const short = s.length > 80 ? `${s.slice(0, 77)}…` : s;
  return short.replaceAll("|", "\\|").replaceAll("\n", " ");
};

const table = (header: readonly string[], rows: readonly (readonly unknown[])[]) =>
  [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");

function columnsOf(items: readonly Obj[]): string[] {
  const present = (k: string) => items.some((i) => i[k] !== null && i[k] !== undefined && isScalar(i[k]));
  const cols = PREFERRED.filter(present).slice(0, 6);
  if (cols.length < 3) {
    for (const k of Object.keys(items[0] ?? {})) {
      if (cols.length >= 5) break;
      if (k !== "id" && !cols.includes(k) && present(k)) cols.push(k);
    }
  }
  if (items.some((i) => typeof i.id === "string")) cols.push("id");
  return cols;
}

const argsText = (args: Obj) => {
  const parts = Object.entries(args).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
};

const nameOf = (o: Obj) =>
  ["name", "email", "discovered_hostname", "title", "kind", "command"]
    .map((k) => o[k])
    .find((v) => typeof v === "string") as string | undefined;

/** A field/value view of one object: scalars, then nested objects one level deep, arrays by length. */
function fieldRows(o: Obj): [string, unknown][] {
  const rows: [string, unknown][] = [];
  for (const [k, v] of Object.entries(o)) {
    if (isScalar(v)) {
      if (v !== null) rows.push([k, v]);
    } else if (Array.isArray(v)) rows.push([k, v.length && v.every(isScalar) ? v.join(", ") : `${v.length} item(s)`]);
    else if (isObject(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        if (isScalar(v2) && v2 !== null) rows.push([`${k}.${k2}`, v2]);
      }
    }
  }
  return rows.slice(0, MAX_FIELDS);
}

function errorText(result: unknown): string {
  if (isObject(result)) {
    const e = isObject(result.error) ? result.error : result;
    const code = typeof e.code === "string" ? `\`${e.code}\`` : "an error";
    const message = typeof e.message === "string" ? e.message : typeof e.detail === "string" ? e.detail : "";
    return `${code}${message ? `: ${message}` : ""}`;
  }
  return typeof result === "string" ? result : JSON.stringify(result);
}

/** "2 instances", "1 approval request": the list's resource, counted. */
function countOf(operation: string, n: number): string {
  const [resource, verb] = operation.split(".") as [string, string];
  if (resource === "catalog") return `${n} ${verb.replaceAll("_", " ")}`;
  const noun = resource.replaceAll("_", " ");
  if (n === 1) return `1 ${noun}`;
  return `${n} ${noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : noun.endsWith("s") ? noun : `${noun}s`}`;
}

/** What the autonomy gate answered instead of running the call, or what became of it later. */
function gateOutcome(head: string, r: Obj): string | null {
  if (r.status === "pending_approval") {
    const expires = typeof r.expires_at === "string" ? `, until ${r.expires_at}` : "";
    return `${head} waits for a person's approval (request \`${cell(r.approval_request_id)}\`${expires}): ${cell(r.reason)}. Another person approves or rejects it on the card; I carry on here once it is decided.`;
  }
  if (r.status === "executed") {
    const result = isObject(r.result) ? r.result : {};
    const failed = r.execution_status !== "applied";
    const detail = failed
      ? ` (${cell(r.execution_status)}${isObject(result) && result.error ? `: ${cell(result.error)}` : ""})`
      : "";
    return `${head} was approved and ${failed ? "did not apply" : "has been carried out"}${detail}.`;
  }
  if (r.status === "rejected")
    return `${head} was rejected${r.result && isObject(r.result) && r.result.reason ? `: ${cell(r.result.reason)}` : ""}; nothing was changed.`;
  if (r.status === "expired") return `${head} expired without a decision; nothing was changed.`;
  return null;
}

function describeOutcome(o: ToolOutcome, title: string): string {
  const head = `**${title}** — \`${o.operation}\`${argsText(o.arguments)}`;
  if (!o.ok) return `${head} failed with ${errorText(o.result)}.`;
  const r = o.result;
  // An approved call that applied reads as the call itself would have: the objects it touched.
  if (isObject(r) && r.status === "executed" && r.execution_status === "applied" && isObject(r.result)) {
    // The execution result is {operation, output}: the output is what the call itself returned.
    const output = isObject(r.result.output) ? r.result.output : r.result;
    const done = describeOutcome({ ...o, result: output }, title);
    return `Approved and carried out. ${done}`;
  }
  const gated = isObject(r) ? gateOutcome(head, r) : null;
  if (gated) return gated;
  if (isObject(r) && Array.isArray(r.items)) {
    const items = r.items.filter(isObject);
    if (items.length === 0) return `${head}: nothing matched.`;
    const more = r.has_more === true ? " More exist beyond this page (ask for the next page)." : "";
    const shown = items.slice(0, MAX_ROWS);
    const cols = columnsOf(shown);
    const cut = items.length > MAX_ROWS ? `\n\n…and ${items.length - MAX_ROWS} more in the result.` : "";
    return `${head}: ${countOf(o.operation, items.length)}.${more}\n\n${table(
      cols,
      shown.map((i) => cols.map((c) => i[c])),
    )}${cut}`;
  }
  if (isObject(r)) {
    // A write's result carries the objects it touched ({instance, task}); a read returns the object.
    const nested = Object.entries(r).filter(
      ([, v]) => isObject(v) && (typeof v.id === "string" || typeof v.status === "string"),
    );
    if (typeof r.id !== "string" && nested.length > 0 && nested.length === Object.keys(r).length) {
      const lines = nested.map(([key, v]) => {
        const obj = v as Obj;
        const status = typeof obj.status === "string" ? ` is ${obj.status}` : "";
        const name = nameOf(obj);
        return `- ${key} ${name ? `**${name}** ` : ""}${typeof obj.id === "string" ? `(\`${obj.id}\`)` : ""}${status}`;
      });
      return `${head}: done.\n${lines.join("\n")}`;
    }
    const name = nameOf(r);
    const rows = fieldRows(r);
    if (rows.length === 0) return `${head}: done, nothing to show.`;
    return `${head}${name ? `: **${name}**` : ""}\n\n${table(["field", "value"], rows)}`;
  }
  if (Array.isArray(r)) return `${head}: ${r.length} item(s).`;
  return `${head}: ${r === undefined || r === null ? "done." : cell(r)}`;
}

/** The reply to a turn's tool results, newest last as they ran. */
export function composeAnswer(outcomes: readonly ToolOutcome[], titleOf: (operation: string) => string): string {
  const parts = outcomes.map((o) => describeOutcome(o, titleOf(o.operation)));
  const failed = outcomes.filter((o) => !o.ok).length;
  const summary =
    outcomes.length === 1 ? "" : ` I made ${outcomes.length} calls${failed ? `, ${failed} of them failed` : ""}.`;
  return `${OFFLINE_PREFACE}${summary}\n\n${parts.join("\n\n")}`;
}
