// What earlier tool results in the conversation put on the table: the objects they returned, by
// kind, newest first, so "reboot the first one" or "cordon it" can name an object from them.
import { operationKind, resourceOf } from "./fields.ts";
import type { EntityKind } from "./resolver.ts";

/** One executed tool call as the model saw it. */
export interface ToolOutcome {
  operation: string;
  arguments: Record<string, unknown>;
  ok: boolean;
  /** The parsed result (or error body). */
  result: unknown;
}

export interface ContextEntity {
  kind: EntityKind;
  id: string;
  name: string | null;
  object: Record<string, unknown>;
  /** Which outcome it came from, 0 = the newest. */
  age: number;
  /** Its position in that outcome's list (0 for a single object). */
  position: number;
}

/** List items whose kind is not the operation's resource. */
const LIST_KINDS: Record<string, EntityKind> = {
  "catalog.regions": "region",
  "catalog.zones": "zone",
  "catalog.instance_types": "instance_type",
  "catalog.images": "image",
  "template_module.list": "template_module",
};

/** Properties of a write's result that carry an object of a known kind. */
const NESTED_KINDS: Record<string, EntityKind> = {
  instance: "instance",
  task: "task",
  node: "node",
  assignment: "assignment",
  request: "approval_request",
  device: "unclaimed_device",
  member: "pool_member",
  pool: "pool",
  module: "module",
  version: "module_version",
  template: "template",
  user: "user",
  policy: "intervention_policy",
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const nameOf = (o: Record<string, unknown>): string | null => {
  for (const key of ["name", "email", "hostname", "display_name", "title"]) {
    if (typeof o[key] === "string") return o[key] as string;
  }
  return null;
};

/** Objects of every outcome, newest outcome first; `outcomes` is in conversation order. */
export function contextEntities(outcomes: readonly ToolOutcome[]): ContextEntity[] {
  const out: ContextEntity[] = [];
  const reversed = [...outcomes].reverse();
  reversed.forEach((o, age) => {
    if (!o.ok || !isObject(o.result)) return;
    const result = o.result;
    const push = (kind: EntityKind, obj: Record<string, unknown>, position: number) => {
      if (typeof obj.id === "string") out.push({ kind, id: obj.id, name: nameOf(obj), object: obj, age, position });
    };
    if (Array.isArray(result.items)) {
      const kind = LIST_KINDS[o.operation] ?? (resourceOf(o.operation) as EntityKind);
      result.items.forEach((item, i) => {
        if (isObject(item)) push(kind, item, i);
      });
      return;
    }
    if (typeof result.id === "string") {
      push(operationKind(o.operation), result, 0);
      return;
    }
    for (const [key, value] of Object.entries(result)) {
      const kind = NESTED_KINDS[key];
      if (kind && isObject(value)) push(kind, value, 0);
    }
  });
  return out;
}

export type Reference = { type: "ordinal"; index: number } | { type: "all" } | { type: "single" } | { type: "none" };

const ORDINALS: Record<string, number> = {
  first: 0,
  "1st": 0,
  second: 1,
  "2nd": 1,
  third: 2,
  "3rd": 2,
  fourth: 3,
  "4th": 3,
  fifth: 4,
  "5th": 4,
  last: -1,
};

/** How the request points back at earlier results, if it does. */
export function referenceIn(tokens: readonly string[]): Reference {
  const lower = tokens.map((t) => t.toLowerCase());
  for (const [i, t] of lower.entries()) {
    const next = lower[i + 1];
    // "the last one", "the second instance" — but not "the last hour" or "last heartbeat".
    if (
      t in ORDINALS &&
      (i === lower.length - 1 || /^(?:one|instance|machine|node|item|entry|box|of)$/.test(next ?? ""))
    ) {
      return { type: "ordinal", index: ORDINALS[t]! };
    }
  }
  if (lower.some((t) => ["them", "those", "all", "both", "each", "these"].includes(t))) return { type: "all" };
  if (lower.some((t) => ["it", "this", "that", "same", "one"].includes(t))) return { type: "single" };
  return { type: "none" };
}

/** Objects of `kind` from the newest outcome that has any. */
export function newestOfKind(entities: readonly ContextEntity[], kind: EntityKind): ContextEntity[] {
  const ofKind = entities.filter((e) => e.kind === kind);
  if (ofKind.length === 0) return [];
  const age = Math.min(...ofKind.map((e) => e.age));
  return ofKind.filter((e) => e.age === age).sort((a, b) => a.position - b.position);
}
