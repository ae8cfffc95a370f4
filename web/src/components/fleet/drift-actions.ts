// What a person can do with drift items from the queue (spec/ui.md §5 "Drift queue"): Remediate
// (through the gate), Snooze 1 h / 24 h / 7 d with a reason, Resolve with a reason, Assign to me, and
// Remediate selected as one call — which are possible now and why the others are not (the rules
// drift.* apply, core/src/operations/drift.ts and drift-remediate.ts), the exact
// { operation, input } each sends to POST /api/v1/actions, and what the page says afterwards. Pure.
import type { Problem } from "../../lib/api-types";
import { hasScope } from "../../lib/session";
import { type DriftItem, itemText, noRemediationText } from "./drift-items";

export type DriftAction = "remediate" | "snooze" | "resolve" | "assign";
export const DRIFT_ACTIONS: readonly DriftAction[] = ["remediate", "snooze", "resolve", "assign"];

export const ACTION_LABEL: Record<DriftAction, string> = {
  remediate: "Remediate",
  snooze: "Snooze",
  resolve: "Resolve",
  assign: "Assign to me",
};

export const SNOOZE_DURATIONS = [
  { value: "1h", label: "1 hour" },
  { value: "24h", label: "24 hours" },
  { value: "7d", label: "7 days" },
] as const;
export type SnoozeDuration = (typeof SNOOZE_DURATIONS)[number]["value"];

export const durationLabel = (d: SnoozeDuration): string => SNOOZE_DURATIONS.find((x) => x.value === d)!.label;

/** The reason drift.snooze and drift.resolve require, trimmed: 3–500 characters. */
export const REASON_MIN = 3;
export const REASON_MAX = 500;
/** drift.remediate takes 1–50 ids. */
export const MAX_BULK = 50;
const WRITE_SCOPE = "fleet:write";

/** Who is acting: the session's user (Assign to me) and effective scopes. */
export interface Viewer {
  userId: string | null;
  scopes: readonly string[];
}

/** null when the reason will do; otherwise what is wrong with it. */
export function reasonError(text: string): string | null {
  const n = text.trim().length;
  if (n < REASON_MIN) return `Give a reason of at least ${REASON_MIN} characters`;
  if (n > REASON_MAX) return `A reason is at most ${REASON_MAX} characters (this one is ${n})`;
  return null;
}

/** null when the action is possible now; otherwise why not, as the row says it. */
export function refusal(action: DriftAction, item: DriftItem, viewer: Viewer | null): string | null {
  if (viewer && !hasScope(viewer.scopes, WRITE_SCOPE)) return `missing permission: ${WRITE_SCOPE}`;
  if (item.status === "resolved") return "Already resolved";
  if (item.status === "auto_resolved") return "Cleared: the sensor no longer reports it";
  switch (action) {
    case "remediate":
      // A snoozed item stays snoozed while its remediation waits for approval.
      if (item.remediation?.state === "awaiting_approval") return "Its remediation awaits approval";
      if (item.status === "remediating") return "A remediation is under way";
      if (!item.suggested_remediation) {
        const why = noRemediationText(item);
        return `${why.charAt(0).toUpperCase()}${why.slice(1)}`;
      }
      return null;
    case "assign":
      if (viewer && !viewer.userId) return "This session acts for no user";
      if (viewer && item.assignee?.user_id === viewer.userId) return "Already assigned to you";
      return null;
    case "snooze":
    case "resolve":
      return null;
  }
}

export type Refusals = Record<DriftAction, string | null>;

export function refusals(item: DriftItem, viewer: Viewer | null): Refusals {
  return Object.fromEntries(DRIFT_ACTIONS.map((a) => [a, refusal(a, item, viewer)])) as Refusals;
}

/** A row's refusals, each text once with the actions it disables (so a resolved row says it once). */
export function refusalNotes(r: Refusals): { text: string; actions: DriftAction[] }[] {
  const out: { text: string; actions: DriftAction[] }[] = [];
  for (const a of DRIFT_ACTIONS) {
    const text = r[a];
    if (text === null) continue;
    const note = out.find((n) => n.text === text);
    if (note) note.actions.push(a);
    else out.push({ text, actions: [a] });
  }
  return out;
}

export type ActionArgs =
  | { action: "remediate" }
  | { action: "snooze"; duration: SnoozeDuration; reason: string }
  | { action: "resolve"; reason: string }
  | { action: "assign" };

export interface ActionRequest {
  operation: string;
  input: Record<string, unknown>;
}

/** The call one row's action makes (POST /api/v1/actions). Assign names nobody: the caller takes it. */
export function actionRequest(item: Pick<DriftItem, "id">, args: ActionArgs): ActionRequest {
  switch (args.action) {
    case "remediate":
      return bulkRequest([item.id]);
    case "snooze":
      return { operation: "drift.snooze", input: { id: item.id, duration: args.duration, reason: args.reason.trim() } };
    case "resolve":
      return { operation: "drift.resolve", input: { id: item.id, reason: args.reason.trim() } };
    case "assign":
      return { operation: "drift.assign", input: { id: item.id } };
  }
}

/** One drift.remediate for every id: a gated batch is one approval with the combined blast radius. */
export const bulkRequest = (ids: readonly string[]): ActionRequest => ({
  operation: "drift.remediate",
  input: { ids: [...ids] },
});

/** The selected ids still listed and remediable, in list order (oldest first). */
export function remediableSelection(
  items: readonly DriftItem[],
  selected: ReadonlySet<string>,
  viewer: Viewer | null,
): string[] {
  return items.filter((i) => selected.has(i.id) && refusal("remediate", i, viewer) === null).map((i) => i.id);
}

/** null when "Remediate selected" can run for `ids`; otherwise why not. */
export function bulkRefusal(ids: readonly string[], viewer: Viewer | null): string | null {
  if (viewer && !hasScope(viewer.scopes, WRITE_SCOPE)) return `missing permission: ${WRITE_SCOPE}`;
  if (ids.length === 0) return "Select the items to remediate";
  if (ids.length > MAX_BULK) return `Select at most ${MAX_BULK}: one remediation takes up to ${MAX_BULK} items`;
  return null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the page says when an action applied; `output` is the operation's (an item, or remediate's batch). */
export function appliedText(
  args: ActionArgs,
  items: readonly Pick<DriftItem, "kind" | "subject">[],
  output: unknown,
): string {
  const what = items.length === 1 ? itemText(items[0]!) : plural(items.length, "drift item");
  switch (args.action) {
    case "snooze": {
      const until = (output as { snoozed_until?: unknown } | null)?.snoozed_until;
      return `Snoozed the ${what} for ${durationLabel(args.duration)}${typeof until === "string" ? ` (until ${until})` : ""}.`;
    }
    case "resolve":
      return `Resolved the ${what}.`;
    case "assign":
      return `Assigned the ${what} to you.`;
    case "remediate": {
      const tasks = (output as { task_ids?: unknown } | null)?.task_ids;
      const n = Array.isArray(tasks) ? tasks.length : 0;
      return `Remediation started for the ${what}: ${n > 0 ? `${plural(n, "task")} queued` : "no task needed"}.`;
    }
  }
}

export interface FieldProblem {
  path: string;
  message: string;
  /** For `ids.<i>`: the item that id is. */
  item?: string;
}

/** The fields a refused call names; a batch's `ids.<i>` also say which item it is. */
export function problemFields(
  problem: Problem,
  ids: readonly string[] = [],
  items: readonly DriftItem[] = [],
): FieldProblem[] {
  return (problem.errors ?? []).map((e) => {
    const m = /^ids\.(\d+)$/.exec(e.path);
    const id = m ? ids[Number(m[1])] : undefined;
    const item = id ? items.find((i) => i.id === id) : undefined;
    return item ? { path: e.path, message: e.message, item: itemText(item) } : { path: e.path, message: e.message };
  });
}

/** The items an applied action answered: drift.remediate's batch, or the one item the others return. */
export function answeredItems(output: unknown): DriftItem[] {
  if (typeof output !== "object" || output === null) return [];
  const batch = (output as { items?: unknown }).items;
  if (Array.isArray(batch)) return batch as DriftItem[];
  return typeof (output as { id?: unknown }).id === "string" ? [output as DriftItem] : [];
}
