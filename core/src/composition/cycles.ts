// Would a new dependency edge close a cycle? Dependencies and parent links must form a DAG so
// that resolution can place every module after the modules it depends on (spec/domain.md §3.4).

export interface DirectedEdge {
  source: string;
  target: string;
}

/**
 * The cycle that adding `source → target` would create, as a path starting and ending at
 * `source` (e.g. [a, b, c, a]); null when the edge is safe.
 */
export function cycleThrough(edges: readonly DirectedEdge[], source: string, target: string): string[] | null {
  if (source === target) return [source, source];
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  // Breadth-first from the new edge's target back to its source gives the shortest cycle.
  const prev = new Map<string, string>();
  const queue = [target];
  const seen = new Set([target]);
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (id === source) {
      const path = [source];
      for (let at = source; at !== target; ) {
        at = prev.get(at)!;
        path.unshift(at);
      }
      return [source, ...path];
    }
    for (const next of [...(out.get(id) ?? [])].sort()) {
      if (seen.has(next)) continue;
      seen.add(next);
      prev.set(next, id);
      queue.push(next);
    }
  }
  return null;
}
