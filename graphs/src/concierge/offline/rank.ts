// Ranking the catalog for a request: BM25F over the operations' documents plus what word overlap
// cannot see — the verb asked for, read vs write, the nouns named, the objects named and the field
// values given. Pure: the objects were identified when the request was read.
import type { AnyOperation } from "@nodepilot/core";
import type { Analysis } from "./analysis.ts";
import { fieldsOf, resourceOf } from "./fields.ts";
import type { Mention } from "./fill-entities.ts";
import { booleanValue, enumValues, type ValueContext } from "./fill-values.ts";
import { EXPAND, operationVerb, REQUEST_VERBS, STOPWORDS } from "./lexicon.ts";
import type { OpIndex } from "./op-index.ts";
import { KIND_WORDS, type Reading } from "./reading.ts";
import { stem, words } from "./text.ts";

/** Fields the planner never fills from chat: paging, concurrency tokens, secrets. */
export const NEVER = new Set(["cursor", "idempotency_key", "version", "password", "after_seq"]);

export function rankOperations(r: Reading, index: OpIndex): { op: AnyOperation; score: number }[] {
  const hidden = new Set([...r.entityTokens, ...r.labels]);
  const query = queryTerms(r.a, r.mentions, hidden, r.labels);
  const bm25 = index.score(query);
  const verbs = requestVerbs(r.a, r.entityTokens);
  const head = headNoun(r.a, hidden, index.operations);
  return index.operations
    .map((op) => ({
      op,
      score: (bm25.get(op.name) ?? 0) + structural(op, r, query, verbs, head),
    }))
    .sort((x, y) => y.score - x.score);
}

function queryTerms(
  a: Analysis,
  mentions: readonly Mention[],
  entityTokens: ReadonlySet<number>,
  labels: ReadonlySet<number>,
): Map<string, number> {
  const q = new Map<string, number>();
  const add = (t: string, w: number) => {
    if (!STOPWORDS.has(t)) q.set(t, Math.max(q.get(t) ?? 0, w));
  };
  a.tokens.forEach((token, i) => {
    if (entityTokens.has(i)) return;
    for (const w of words(token)) {
      add(w, 1);
      for (const [t, weight] of EXPAND.get(w) ?? []) add(t, weight);
    }
  });
  // A named object counts for its kind; more when the request labelled it ("task <id>").
  for (const m of mentions) {
    const kinds = new Set(m.matches.map((x) => x.kind));
    for (const kind of kinds) for (const w of KIND_WORDS(kind)) add(w, labels.has(m.index - 1) ? 0.8 : 0.5);
  }
  return q;
}

interface VerbMention {
  verbs: readonly string[];
  index: number;
}

function requestVerbs(a: Analysis, entityTokens: ReadonlySet<number>): VerbMention[] {
  const out: VerbMention[] = [];
  a.tokens.forEach((token, i) => {
    // "assigned", "disabled": a participle describes a state ("modules assigned to gpu-7"), it
    // does not ask for the action.
    if (entityTokens.has(i) || /[a-z]ed$/.test(token)) return;
    for (const w of words(token)) {
      const verbs = REQUEST_VERBS.get(w);
      if (verbs) out.push({ verbs, index: i });
    }
  });
  return out;
}

/** The request names the operation's resource in the singular ("this pool", "the machine"). */
export function singularNoun(a: Analysis, op: AnyOperation): boolean {
  if (op.list || !fieldsOf(op).some((f) => f.name === "id" && f.required)) return false;
  const nouns = resourceWords(op);
  return a.tokens.some(
    (t, i) =>
      !/s$/.test(t) &&
      (nouns.includes(a.stems[i]!) || EXPAND.get(a.stems[i]!)?.some(([w, n]) => n >= 0.8 && nouns.includes(w))),
  );
}

/** Everything an operation's name is about: its resource and the nouns after its verb (apply_template). */
function aboutWords(op: AnyOperation): string[] {
  const last = op.name
    .slice(op.name.indexOf(".") + 1)
    .split("_")
    .map(stem);
  return [...new Set([...resourceWords(op), ...last.slice(1)])];
}

/** The first noun of the request that names a kind of thing the catalog acts on. */
function headNoun(a: Analysis, entityTokens: ReadonlySet<number>, ops: readonly AnyOperation[]): string | undefined {
  const nouns = new Set(ops.flatMap(resourceWords));
  for (const [i, t] of a.tokens.entries()) {
    if (entityTokens.has(i)) continue;
    for (const w of words(t)) {
      if (nouns.has(w)) return w;
      const alias = EXPAND.get(w)?.find(([x, n]) => n >= 0.8 && nouns.has(x));
      if (alias) return alias[0];
    }
  }
  return undefined;
}

/** The nouns an operation is about: its resource, or for catalog.* reads what they list. */
export function resourceWords(op: AnyOperation): string[] {
  const resource = resourceOf(op.name);
  const noun = resource === "catalog" ? op.name.slice(op.name.indexOf(".") + 1) : resource;
  return noun.split("_").map(stem);
}

/** What word overlap cannot see: the verb asked for, read vs write, nouns, named objects, values. */
function structural(
  op: AnyOperation,
  r: Reading,
  query: ReadonlyMap<string, number>,
  verbs: readonly VerbMention[],
  head: string | undefined,
): number {
  const { a, mentions, entityTokens } = r;
  let s = 0;
  // Naming the operation's resource ("instances", "machine", a named instance) is the strongest sign;
  // the first such noun is what the request is about ("nodes with template base" is about nodes).
  const nouns = resourceWords(op);
  if (head && aboutWords(op).includes(head)) s += 1.5;
  s += (2.5 * nouns.reduce((sum, w) => sum + Math.min(1, query.get(w) ?? 0), 0)) / nouns.length;
  const verb = operationVerb(op.name, op.list, op.effect);
  const read = op.effect === "read";
  const asked = verbs.findIndex((v) => v.verbs.includes(verb));
  // A verb the name spells (module.get) beats one inferred for a noun-named read (module.rsync_spec).
  const spelled = op.name.endsWith(`.${verb}`) || op.name.includes(`.${verb}_`);
  if (asked === 0) s += spelled ? 2.5 : 2;
  else if (asked > 0) s += spelled ? 1.2 : 1;
  const writeVerbAsked = verbs.some((v) => v.verbs.some((x) => x !== "list" && x !== "get"));
  if (a.question) s += read ? 1 : asked >= 0 ? 0 : -1.5;
  else if (!read && !writeVerbAsked) s -= 1;
  else if (read && writeVerbAsked && asked < 0) s -= 1;
  // "instances", "nodes": a plural of the operation's resource asks for a list.
  // Reads named by a noun (module.dependencies, module.consent_budget): that noun counts like a verb.
  if (!spelled && read) {
    const last = op.name
      .slice(op.name.indexOf(".") + 1)
      .split("_")
      .map(stem);
    const named = last.filter((w) => (query.get(w) ?? 0) >= 0.95).length;
    if (named) s += (2 * named) / last.length;
  }
  const plural = a.tokens.some((t, i) => /s$/.test(t) && t.length > 3 && nouns.includes(a.stems[i]!));
  if (plural && op.list) s += 1;
  const fields = fieldsOf(op);
  // Fields the request gives a value for (silent, failed, spot) vote for the operation.
  const commands = read ? r.commands : new Set<number>();
  const probe: ValueContext = { analysis: a, entityTokens, vocabulary: {}, verb, consumed: new Set(), nouns, commands };
  for (const f of fields) {
    if (f.kind || NEVER.has(f.name)) continue;
    const allowed = f.enum ?? f.itemEnum;
    if (
      allowed ? enumValues(allowed, probe).length > 0 : f.type === "boolean" && booleanValue(f, probe) !== undefined
    ) {
      s += 0.8;
    }
  }
  for (const m of mentions) {
    const kinds = new Set(m.matches.map((x) => x.kind));
    let best = 0;
    for (const kind of kinds) {
      const f = fields.find((x) => x.kind === kind);
      if (f) best = Math.max(best, f.name === "id" ? 1.2 : f.required ? 0.8 : 0.5);
      else if (kind === "node" && fields.some((x) => x.kind === "instance")) best = Math.max(best, 0.3);
    }
    s += best;
  }
  return s;
}
