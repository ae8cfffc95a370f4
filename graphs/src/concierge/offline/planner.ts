// The offline planner: a request → the catalog operations that answer it, with arguments that parse
// against each operation's input schema — or a question naming what is missing. The request is read
// once (reading.ts), the catalog ranked for it (rank.ts), and the best few candidates filled
// (fill-candidate.ts): a candidate that cannot be filled loses to one that can.
import { type AnyOperation, jsonSchemaOf } from "@nodepilot/core";
import type { ContextEntity, ToolOutcome } from "./context.ts";
import { type FieldSpec, fieldsOf, resourceOf } from "./fields.ts";
import { type Filled, fillCandidate } from "./fill-candidate.ts";
import { operationVerb } from "./lexicon.ts";
import type { OpIndex } from "./op-index.ts";
import { rankOperations, singularNoun } from "./rank.ts";
import { readRequest } from "./reading.ts";
import type { EntityKind, EntityRef, EntityResolver } from "./resolver.ts";

export interface PlannedCall {
  operation: string;
  arguments: Record<string, unknown>;
}

export type Plan =
  | {
      type: "calls";
      calls: PlannedCall[];
      /** Set when these calls are a lookup made only to fill this operation's arguments. */
      lookupFor?: string;
    }
  | { type: "ask"; operation: string; question: string; fields: string[] }
  | { type: "unknown"; suggestions: { name: string; title: string }[] };

export interface PlannerInput {
  text: string;
  index: OpIndex;
  resolver: EntityResolver;
  /** Tool calls already executed in this conversation, oldest first. */
  outcomes: readonly ToolOutcome[];
  vocabulary: Readonly<Record<string, readonly string[]>>;
  now: Date;
}

const CANDIDATES = 8;
const MIN_SCORE = 1.5;
/** A request that names an object the operation cannot use is rarely asking for that operation. */
const IGNORED_PENALTY = 4;

interface Candidate extends Filled {
  op: AnyOperation;
  score: number;
}

export async function planRequest(input: PlannerInput): Promise<Plan> {
  const page = nextPage(input);
  if (page) return { type: "calls", calls: [page] };
  const reading = await readRequest(input.text, input.now, input.resolver, input.outcomes);
  const { a, reference } = reading;
  const ranked = rankOperations(reading, input.index);
  if (!ranked[0] || ranked[0].score < MIN_SCORE) {
    // Only operations the request actually resembles are worth suggesting.
    const close = ranked.slice(0, 3).filter((r) => r.score >= MIN_SCORE / 2);
    return { type: "unknown", suggestions: close.map(({ op }) => ({ name: op.name, title: op.title })) };
  }

  const memo = memoResolver(input.resolver);
  const candidates: Candidate[] = [];
  for (const { op, score } of ranked.slice(0, CANDIDATES)) {
    const filled = await fillCandidate(op, reading, memo, input.vocabulary);
    const usedValues = Object.keys(filled.args).filter((k) => !fieldsOf(op).find((f) => f.name === k)?.kind).length;
    // "this pool", "the machine": the operator means one object the conversation already has, so
    // an operation on one object that still needs its id is the right reading (it will ask).
    const pointsAtOne = (reference.type === "single" || reference.type === "ordinal") && singularNoun(a, op);
    const adjusted =
      score +
      (pointsAtOne ? 1.5 : 0) -
      (pointsAtOne ? 0.5 : 2) * filled.fill.missing.length -
      2 * filled.missingValues.length +
      0.5 * usedValues +
      0.3 * filled.fill.fromText -
      IGNORED_PENALTY * filled.ignored;
    candidates.push({ op, score: adjusted, ...filled });
  }
  candidates.sort((x, y) => y.score - x.score);
  return finish(candidates[0]!, input, reading.context);
}

function finish(best: Candidate, input: PlannerInput, context: readonly ContextEntity[]): Plan {
  const { op, fill, args } = best;
  if (fill.ambiguous.length) {
    const { field, candidates } = fill.ambiguous[0]!;
    const list = candidates
      .slice(0, 8)
      .map((c) => `${c.name} (${c.id})`)
      .join(", ");
    return {
      type: "ask",
      operation: op.name,
      fields: [field.name],
      question: `Which ${label(field.kind)} do you mean: ${list}? ${op.name} needs \`${field.name}\`.`,
    };
  }
  if (fill.missing.length) {
    const field = fill.missing[0]!;
    return {
      type: "ask",
      operation: op.name,
      fields: fill.missing.map((f) => f.name),
      question: `Which ${label(field.kind)} do you mean? ${op.name} (${op.title.toLowerCase()}) needs \`${field.name}\`; name it or give its id.`,
    };
  }
  if (best.missingValues.length) {
    // A value the object's own read returns (payload_hash): read it first, then act.
    const lookup = lookupFor(op, best.missingValues, args, input, context);
    if (lookup) return { type: "calls", calls: [lookup], lookupFor: op.name };
    const names = best.missingValues.map((f) => `\`${f.name}\``);
    const hints = best.missingValues
      .map((f) =>
        f.enum ? `${f.name}: one of ${f.enum.join(", ")}` : f.description ? `${f.name}: ${f.description}` : "",
      )
      .filter(Boolean);
    return {
      type: "ask",
      operation: op.name,
      fields: best.missingValues.map((f) => f.name),
      question: `To ${op.title.toLowerCase()} I need ${names.join(" and ")}.${hints.length ? ` (${hints.join("; ")})` : ""}`,
    };
  }
  // An update that names nothing to change would be a no-op: ask what should change.
  const changes = Object.keys(args).filter((k) => !fieldsOf(op).find((f) => f.name === k)?.kind);
  if (operationVerb(op.name, op.list, op.effect) === "update" && changes.length === 0) {
    const settable = fieldsOf(op)
      .filter((f) => !f.kind && !f.required && f.name !== "version")
      .map((f) => `\`${f.name}\``);
    return {
      type: "ask",
      operation: op.name,
      fields: settable.map((f) => f.slice(1, -1)),
      question: `What should change? ${op.name} sets ${settable.slice(0, 8).join(", ")}${settable.length > 8 ? ", …" : ""}.`,
    };
  }
  const ids = [args.id, ...fill.fanOut];
  const calls: PlannedCall[] = [];
  for (const id of fill.fanOut.length ? ids : [args.id]) {
    const callArgs = id === undefined ? args : { ...args, id };
    const parsed = op.input.safeParse(callArgs);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(input)"))];
      return {
        type: "ask",
        operation: op.name,
        fields,
        question: `${op.name} would not accept that: ${parsed.error.issues
          .map((i) => `\`${i.path.join(".")}\` ${i.message}`)
          .join("; ")}. What should ${fields.length > 1 ? "they" : "it"} be?`,
      };
    }
    calls.push({ operation: op.name, arguments: callArgs });
  }
  return { type: "calls", calls };
}

function lookupFor(
  op: AnyOperation,
  missing: readonly FieldSpec[],
  args: Record<string, unknown>,
  input: PlannerInput,
  context: readonly ContextEntity[],
): PlannedCall | undefined {
  if (typeof args.id !== "string") return undefined;
  const get = input.index.operations.find((o) => o.name === `${resourceOf(op.name)}.get`);
  if (!get) return undefined;
  const out = jsonSchemaOf(get.output, "output").properties as Record<string, unknown> | undefined;
  if (!out || !missing.every((f) => f.name in out)) return undefined;
  // Already read and still missing: asking beats reading again.
  if (context.some((e) => e.id === args.id)) return undefined;
  return { operation: get.name, arguments: { id: args.id } };
}

const MORE = /\b(?:next page|next \d+|more results|show (?:me )?more|the rest|keep going)\b/i;

/** "next page": the newest list that has more, again from its cursor. */
function nextPage(input: PlannerInput): PlannedCall | undefined {
  if (!MORE.test(input.text)) return undefined;
  const last = [...input.outcomes].reverse().find((o) => {
    const r = o.result as { next_cursor?: unknown } | null;
    return o.ok && typeof r?.next_cursor === "string";
  });
  if (!last || !input.index.operations.some((op) => op.name === last.operation)) return undefined;
  const cursor = (last.result as { next_cursor: string }).next_cursor;
  return { operation: last.operation, arguments: { ...last.arguments, cursor } };
}

const label = (kind: EntityKind | undefined) => (kind ? kind.replaceAll("_", " ") : "object");

/** One resolver call per distinct question within a plan. */
function memoResolver(r: EntityResolver): EntityResolver {
  const cache = new Map<string, ReturnType<EntityResolver["resolve"]>>();
  return {
    identify: (terms) => r.identify(terms),
    resolve(kind, name, within?: EntityRef) {
      const key = `${kind}:${name.toLowerCase()}:${within?.id ?? ""}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = r.resolve(kind, name, within);
        cache.set(key, hit);
      }
      return hit;
    },
  };
}
