// An in-memory resolver port for the planner's and the offline model's tests: a small named fleet,
// with the same matching rules as the store-backed one (case-insensitive names, users by email,
// local part or display name, instances by their node when it has one, names inside a parent).
import type { EntityKind, EntityMatch, EntityRef, EntityResolver, Resolution } from "../offline/resolver.ts";

export interface MemoryEntity extends EntityRef {
  aliases?: readonly string[];
  /** For instances: the node; for assignments and template modules: node/template and module. */
  parent?: string;
  module?: string;
}

const names = (e: MemoryEntity) => [e.name, e.id, ...(e.aliases ?? [])].map((n) => n.toLowerCase());

const found = (hits: readonly MemoryEntity[]): Resolution =>
  hits.length === 0
    ? { status: "none" }
    : hits.length === 1
      ? { status: "found", entity: { kind: hits[0]!.kind, id: hits[0]!.id, name: hits[0]!.name } }
      : { status: "ambiguous", candidates: hits.map((h) => ({ kind: h.kind, id: h.id, name: h.name })) };

export function memoryResolver(entities: readonly MemoryEntity[]): EntityResolver & { lookups: number } {
  const resolver = {
    lookups: 0,
    async identify(terms: readonly string[]): Promise<EntityMatch[]> {
      resolver.lookups++;
      const wanted = new Set(terms.map((t) => t.toLowerCase()));
      // Like the store: objects named only inside a parent (assignments) are not identified by name.
      return entities.flatMap((e) =>
        (e.module ? [e.id] : names(e))
          .filter((n) => wanted.has(n))
          .map((matched) => ({ kind: e.kind, id: e.id, name: e.name, matched })),
      );
    },
    async resolve(kind: EntityKind, name: string, within?: EntityRef): Promise<Resolution> {
      resolver.lookups++;
      const n = name.toLowerCase();
      if (within) {
        return found(
          entities.filter((e) => e.kind === kind && e.parent === within.id && e.module?.toLowerCase() === n),
        );
      }
      const own = entities.filter((e) => e.kind === kind && names(e).includes(n));
      if (own.length || kind !== "instance") return found(own);
      const node = entities.find((e) => e.kind === "node" && names(e).includes(n));
      return found(entities.filter((e) => e.kind === "instance" && node && e.parent === node.id));
    },
  };
  return resolver;
}

/** A small fleet: two nodes with an instance each, a template, modules, a pool, a user. */
export const SMALL_FLEET: readonly MemoryEntity[] = [
  { kind: "node", id: "00000000-0000-4000-8000-000000000001", name: "edge-1" },
  { kind: "node", id: "00000000-0000-4000-8000-000000000002", name: "gpu-7" },
  {
    kind: "instance",
    id: "00000000-0000-4000-8000-000000000011",
    name: "edge-1-a",
    parent: "00000000-0000-4000-8000-000000000001",
  },
  {
    kind: "instance",
    id: "00000000-0000-4000-8000-000000000012",
    name: "gpu-7-a",
    parent: "00000000-0000-4000-8000-000000000002",
  },
  { kind: "template", id: "00000000-0000-4000-8000-000000000021", name: "base" },
  { kind: "module", id: "00000000-0000-4000-8000-000000000031", name: "nginx" },
  { kind: "module", id: "00000000-0000-4000-8000-000000000032", name: "openssl" },
  {
    kind: "assignment",
    id: "00000000-0000-4000-8000-000000000041",
    name: "nginx",
    parent: "00000000-0000-4000-8000-000000000001",
    module: "nginx",
  },
  { kind: "pool", id: "00000000-0000-4000-8000-000000000051", name: "ci-runners" },
  { kind: "user", id: "00000000-0000-4000-8000-000000000061", name: "ana@example.com", aliases: ["ana", "Ana"] },
  { kind: "task", id: "00000000-0000-4000-8000-000000000071", name: "collect_facts" },
  { kind: "approval_request", id: "00000000-0000-4000-8000-000000000081", name: "instance.recover" },
];
