// Ids for an operation's id fields: objects named in the request (resolved through the resolver
// port), objects named inside a parent (nginx on edge-1 → the assignment), an instance named by its
// node, bare uuids, and — when the request points back ("the first one", "it") — objects from
// earlier tool results.
import { type ContextEntity, newestOfKind, type Reference } from "./context.ts";
import type { FieldSpec } from "./fields.ts";
import { type EntityKind, type EntityMatch, type EntityRef, type EntityResolver, SCOPED_KINDS } from "./resolver.ts";

/** A token of the request that names one or more fleet objects (or is a uuid of none we know). */
export interface Mention {
  index: number;
  token: string;
  matches: readonly EntityMatch[];
  uuid: boolean;
}

export interface EntityFill {
  args: Record<string, unknown>;
  /** Required id fields nothing could fill. */
  missing: FieldSpec[];
  /** Fields a name fitted more than one object for. */
  ambiguous: { field: FieldSpec; candidates: readonly EntityRef[] }[];
  /** Further ids for the primary `id` field: the operation runs once per id. */
  fanOut: string[];
  /** Mentions that filled a field. */
  used: Set<number>;
  /** How many fields were filled from the request's own words (not from earlier results). */
  fromText: number;
}

export const SUBJECT_TYPES: Partial<Record<EntityKind, string>> = {
  instance: "node_instance",
  node: "node",
  provider_connection: "provider_connection",
  region: "provider_region",
};
const SUBJECT_KINDS = Object.fromEntries(Object.entries(SUBJECT_TYPES).map(([k, v]) => [v, k])) as Record<
  string,
  EntityKind
>;

export interface EntityInputs {
  fields: readonly FieldSpec[];
  mentions: readonly Mention[];
  numbers: readonly { value: number; index: number }[];
  resolver: EntityResolver;
  context: readonly ContextEntity[];
  reference: Reference;
  /** Values already chosen for non-id fields (subject_type steers subject_id). */
  values: Record<string, unknown>;
}

export async function fillEntities(input: EntityInputs): Promise<EntityFill> {
  const { fields, mentions, resolver } = input;
  const fill: EntityFill = { args: {}, missing: [], ambiguous: [], fanOut: [], used: new Set(), fromText: 0 };
  const unused = (kind: EntityKind) =>
    mentions.filter((m) => !fill.used.has(m.index) && m.matches.some((x) => x.kind === kind));
  // One object matched through two of its names (email and display name) is still one object.
  const ofKind = (m: Mention, kind: EntityKind) =>
    m.matches.filter((x, i, all) => x.kind === kind && all.findIndex((y) => y.id === x.id) === i);
  const take = (m: Mention, field: FieldSpec, kind: EntityKind): boolean => {
    const hits = ofKind(m, kind);
    fill.used.add(m.index);
    if (hits.length > 1) {
      fill.ambiguous.push({ field, candidates: hits });
      return true;
    }
    fill.args[field.name] = field.type === "array" ? [hits[0]!.id] : hits[0]!.id;
    fill.fromText++;
    return true;
  };

  // Required before optional; a field of a definite kind before the kind-less subject_id.
  const idFields = fields.filter((f) => f.kind || f.name === "subject_id");
  const rank = (f: FieldSpec) => (f.required ? 0 : 2) + (f.kind ? 0 : 1);
  const ordered = [...idFields].sort((x, y) => rank(x) - rank(y));
  for (const field of ordered) {
    let kind = field.kind;
    if (field.name === "subject_id") {
      const typed = input.values.subject_type;
      kind = typeof typed === "string" ? SUBJECT_KINDS[typed] : undefined;
      if (!kind) {
        const m = mentions.find((x) => !fill.used.has(x.index) && x.matches.some((e) => SUBJECT_TYPES[e.kind]));
        kind = m?.matches.find((e) => SUBJECT_TYPES[e.kind])?.kind;
        if (kind && fields.some((f) => f.name === "subject_type")) fill.args.subject_type = SUBJECT_TYPES[kind];
      }
      if (!kind) {
        if (field.required) fill.missing.push(field);
        continue;
      }
    }
    if (!kind) continue;
    if (field.type === "array") {
      const all = unused(kind);
      for (const m of all) fill.used.add(m.index);
      const ids = [
        ...new Set(
          all.flatMap((m) =>
            ofKind(m, kind)
              .slice(0, 1)
              .map((x) => x.id),
          ),
        ),
      ];
      if (ids.length) {
        fill.args[field.name] = ids;
        fill.fromText++;
      } else if (field.required) fill.missing.push(field);
      continue;
    }
    const direct = unused(kind)[0];
    if (direct && take(direct, field, kind)) continue;
    if (kind === "instance" && (await instanceByNode(field))) continue;
    if (SCOPED_KINDS[kind] && (await scoped(field, kind))) continue;
    if (!field.required) continue;
    const bare = mentions.find((m) => m.uuid && m.matches.length === 0 && !fill.used.has(m.index));
    if (bare) {
      fill.used.add(bare.index);
      fill.args[field.name] = bare.token;
      fill.fromText++;
      continue;
    }
    if (fromContext(field, kind)) continue;
    fill.missing.push(field);
  }

  // Several objects of the primary kind named: one call each ("reboot edge-1-a and edge-2-a"). One
  // object named twice — by its name and by its uuid, "gpu-7-a (id 0190…)" — is still one call.
  const primary = fields.find((f) => f.name === "id" && f.kind);
  if (primary?.kind && typeof fill.args.id === "string") {
    for (const m of unused(primary.kind)) {
      const hits = ofKind(m, primary.kind);
      if (hits.length === 1) {
        const id = hits[0]!.id;
        if (id !== fill.args.id && !fill.fanOut.includes(id)) fill.fanOut.push(id);
        fill.used.add(m.index);
      }
    }
  }
  return fill;

  async function instanceByNode(field: FieldSpec): Promise<boolean> {
    const m = unused("node")[0];
    if (!m) return false;
    const node = ofKind(m, "node")[0]!;
    const r = await resolver.resolve("instance", node.name);
    if (r.status === "none") return false;
    fill.used.add(m.index);
    if (r.status === "ambiguous") fill.ambiguous.push({ field, candidates: r.candidates });
    else {
      fill.args[field.name] = r.entity.id;
      fill.fromText++;
    }
    return true;
  }

  async function scoped(field: FieldSpec, kind: EntityKind): Promise<boolean> {
    const scope = SCOPED_KINDS[kind]!;
    // The parent: a field already filled with it (template_module.* take the template as `id`), or a mention.
    const parentField = fields.find((f) => f.kind === scope.parent && typeof fill.args[f.name] === "string");
    let parent: EntityRef | undefined;
    if (parentField) {
      const id = fill.args[parentField.name] as string;
      parent = mentions.flatMap((m) => m.matches).find((x) => x.id === id) ?? { kind: scope.parent, id, name: id };
    } else {
      const m = mentions.find((x) => x.matches.some((e) => e.kind === scope.parent));
      parent = m ? ofKind(m, scope.parent)[0] : undefined;
      if (m) fill.used.add(m.index);
    }
    if (!parent) return false;
    let name: string | undefined;
    let byIndex: number | undefined;
    if (scope.by === "number") {
      const n = input.numbers[0];
      name = n ? String(n.value) : undefined;
    } else {
      const m = unused(scope.by)[0];
      name = m ? ofKind(m, scope.by)[0]!.name : undefined;
      byIndex = m?.index;
    }
    if (name === undefined) return false;
    const r = await resolver.resolve(kind, name, parent);
    if (r.status === "none") return false;
    if (byIndex !== undefined) fill.used.add(byIndex);
    if (r.status === "ambiguous") fill.ambiguous.push({ field, candidates: r.candidates });
    else {
      fill.args[field.name] = r.entity.id;
      fill.fromText++;
    }
    return true;
  }

  function fromContext(field: FieldSpec, kind: EntityKind): boolean {
    const candidates = newestOfKind(input.context, kind);
    if (candidates.length === 0) return false;
    const ref = input.reference;
    const pick = (e: ContextEntity) => {
      fill.args[field.name] = e.id;
    };
    if (ref.type === "ordinal") {
      const e = ref.index < 0 ? candidates[candidates.length + ref.index] : candidates[ref.index];
      if (!e) return false;
      pick(e);
      return true;
    }
    if (candidates.length === 1) {
      pick(candidates[0]!);
      return true;
    }
    if (ref.type === "all" && field.name === "id") {
      pick(candidates[0]!);
      fill.fanOut.push(...candidates.slice(1).map((e) => e.id));
      return true;
    }
    fill.ambiguous.push({ field, candidates: candidates.map((e) => ({ kind, id: e.id, name: e.name ?? e.id })) });
    return true;
  }
}
