// What a gated action touches (spec/ui.md §3.4 item 2), read from the API, never estimated: which
// reads a target needs, and how a node's instances are counted when they take several pages.

export const SHOWN_AFFECTED = 10;
/** Pages of 200 read for a node's instances before the count is given as "at least". */
export const MAX_INSTANCE_PAGES = 5;

export type BlastTarget =
  | { kind: "instance"; id: string }
  | { kind: "node"; id: string }
  | { kind: "other"; type: string; id: string };

/** The API reads a target needs: instances (`instance`, `node_instance`) and nodes have them. */
export function blastTargetOf(target: { type: string; id: string }): BlastTarget {
  if (target.type === "instance" || target.type === "node_instance") return { kind: "instance", id: target.id };
  if (target.type === "node") return { kind: "node", id: target.id };
  return { kind: "other", type: target.type, id: target.id };
}

export interface InstanceRef {
  id: string;
  name: string;
  status: string;
  node_id: string;
  environment_id: string | null;
}

export interface Counted<T> {
  shown: T[];
  /** Every item read. */
  read: number;
  /** False when pages were left unread: `read` is then a lower bound. */
  exact: boolean;
}

/** Fold list pages into the first few items and a count. */
export function countPages<T>(pages: readonly { data: T[]; has_more: boolean }[], shown = SHOWN_AFFECTED): Counted<T> {
  const all = pages.flatMap((p) => p.data);
  const last = pages[pages.length - 1];
  return { shown: all.slice(0, shown), read: all.length, exact: last ? !last.has_more : true };
}

/** "3 more", "at least 990 more", or null when every item is shown. */
export function moreText(c: Counted<unknown>): string | null {
  const rest = c.read - c.shown.length;
  if (c.exact) return rest > 0 ? `${rest} more` : null;
  return `at least ${rest} more`;
}

/** "1 instance", "12 instances", "at least 1000 instances". */
export function countText(c: Counted<unknown>, noun: string): string {
  const n = `${c.read} ${noun}${c.read === 1 ? "" : "s"}`;
  return c.exact ? n : `at least ${n}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An instance as the card shows it, from instance.get's or instance.list's output. */
export function instanceRefOf(v: unknown): InstanceRef | null {
  if (!isObject(v) || typeof v.id !== "string" || typeof v.name !== "string") return null;
  return {
    id: v.id,
    name: v.name,
    status: typeof v.status === "string" ? v.status : "unknown",
    node_id: typeof v.node_id === "string" ? v.node_id : "",
    environment_id: typeof v.environment_id === "string" ? v.environment_id : null,
  };
}

export interface PlannedInstance {
  id: string;
  name: string | null;
  node_id: string | null;
}

/**
 * What a bulk call touches as the gate read it when it asked (`plan.blast_radius`, e.g. a batch drift
 * remediation: the union of the items' instances), or null when the plan carries none.
 */
export function plannedRadiusOf(plan: Record<string, unknown> | null | undefined): Counted<PlannedInstance> | null {
  const radius = plan?.blast_radius;
  if (!isObject(radius) || !Array.isArray(radius.instances)) return null;
  const all = radius.instances.flatMap((v): PlannedInstance[] =>
    isObject(v) && typeof v.id === "string"
      ? [
          {
            id: v.id,
            name: typeof v.name === "string" ? v.name : null,
            node_id: typeof v.node_id === "string" ? v.node_id : null,
          },
        ]
      : [],
  );
  const count = typeof radius.instance_count === "number" ? Math.max(radius.instance_count, all.length) : all.length;
  return { shown: all.slice(0, SHOWN_AFFECTED), read: count, exact: true };
}
