// Filling one candidate operation from a request: values for its plain fields, ids for its id
// fields, and the values an earlier result holds for the same object. Also reports how well the
// operation fits: the objects the request named that it leaves unused.
import type { AnyOperation } from "@nodepilot/core";
import type { FieldSpec } from "./fields.ts";
import { fieldsOf } from "./fields.ts";
import { type EntityFill, fillEntities, SUBJECT_TYPES } from "./fill-entities.ts";
import { booleanValue, enumValues, numberValues, stringValue, type ValueContext } from "./fill-values.ts";
import { operationVerb } from "./lexicon.ts";
import { NEVER, resourceWords } from "./rank.ts";
import type { Reading } from "./reading.ts";
import { type EntityKind, type EntityResolver, SCOPED_KINDS } from "./resolver.ts";
import { stem } from "./text.ts";

export interface Filled {
  args: Record<string, unknown>;
  fill: EntityFill;
  /** Required non-id fields nothing could fill. */
  missingValues: FieldSpec[];
  /** Objects the request named that this operation leaves unused. */
  ignored: number;
}

export async function fillCandidate(
  op: AnyOperation,
  r: Reading,
  resolver: EntityResolver,
  vocabulary: Readonly<Record<string, readonly string[]>>,
): Promise<Filled> {
  const { a, mentions, context, reference } = r;
  const fields = fieldsOf(op).filter((f) => !NEVER.has(f.name));
  // A word names an object only if this operation can take that kind of object; else it is free to
  // be a value (a user called "viewer" does not stop "as a viewer" meaning role: viewer).
  // Likewise a plain word that spells one of this operation's enum values is that value.
  const usable = usableKinds(fields);
  const enumStems = new Set(fields.flatMap((f) => [...(f.enum ?? []), ...(f.itemEnum ?? [])]).map(stem));
  // A uuid we know as another kind of object is not this operation's; an unknown one may be.
  const own = mentions
    .filter((m) => m.uuid || !enumStems.has(a.stems[m.index]!))
    .map((m) => ({ ...m, matches: m.matches.filter((x) => usable.has(x.kind)) }))
    .filter((m) => m.matches.length > 0 || (m.uuid && !mentions.find((x) => x.index === m.index)?.matches.length));
  const ownTokens = new Set(own.map((m) => m.index));
  const ctx: ValueContext = {
    analysis: a,
    entityTokens: ownTokens,
    vocabulary,
    verb: operationVerb(op.name, op.list, op.effect),
    consumed: new Set(),
    nouns: resourceWords(op),
    commands: op.effect === "read" ? r.commands : new Set(),
  };
  const values: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.kind || f.name === "subject_id") continue;
    const allowed = f.enum ?? f.itemEnum;
    if (allowed) {
      const found = enumValues(allowed, ctx);
      if (found.length) values[f.name] = f.type === "array" ? found : found[0];
    } else if (f.type === "boolean") {
      const b = booleanValue(f, ctx);
      if (b !== undefined) values[f.name] = b;
    } else if (f.type === "string") {
      const v = stringValue(f, ctx);
      if (v !== undefined) values[f.name] = v;
    }
  }
  Object.assign(values, numberValues(fields, ctx));
  const fill = await fillEntities({
    fields,
    mentions: own,
    numbers: a.numbers,
    resolver,
    context,
    reference,
    values,
  });
  const args = { ...values, ...fill.args };
  // Required values an earlier result holds for this very object (an approval's payload_hash).
  const missingValues: FieldSpec[] = [];
  for (const f of fields) {
    if (!f.required || f.kind || f.name === "subject_id" || f.name in args) continue;
    const same = context.find((e) => e.id === args.id && f.name in e.object);
    if (same) args[f.name] = same.object[f.name];
    else missingValues.push(f);
  }
  // Objects the request named that this operation leaves unused, and whose words meant no value. An
  // object named twice ("edge-1 (id 0190…)") is used when either mention is.
  const usedIds = new Set(mentions.filter((m) => fill.used.has(m.index)).flatMap((m) => m.matches.map((x) => x.id)));
  const ignored = mentions.filter(
    (m) =>
      m.matches.length > 0 &&
      !fill.used.has(m.index) &&
      !ctx.consumed.has(m.index) &&
      !m.matches.every((x) => usedIds.has(x.id)),
  ).length;
  return { args, fill, missingValues, ignored };
}

function usableKinds(fields: readonly FieldSpec[]): Set<EntityKind> {
  const kinds = new Set<EntityKind>();
  for (const f of fields) {
    if (f.name === "subject_id") for (const k of Object.keys(SUBJECT_TYPES)) kinds.add(k as EntityKind);
    if (!f.kind) continue;
    kinds.add(f.kind);
    if (f.kind === "instance") kinds.add("node");
    const scoped = SCOPED_KINDS[f.kind];
    if (scoped) {
      kinds.add(scoped.parent);
      if (scoped.by !== "number") kinds.add(scoped.by);
    }
  }
  return kinds;
}
