// A request read once against the fleet: its analysis, the objects it names (one identify query),
// the kind words that only label those objects, and what earlier results in the conversation offer.
import { type Analysis, analyze } from "./analysis.ts";
import { type ContextEntity, contextEntities, type Reference, referenceIn, type ToolOutcome } from "./context.ts";
import type { Mention } from "./fill-entities.ts";
import { REQUEST_VERBS, STOPWORDS } from "./lexicon.ts";
import type { EntityKind, EntityResolver } from "./resolver.ts";
import { stem, words } from "./text.ts";

export interface Reading {
  a: Analysis;
  mentions: readonly Mention[];
  /** Tokens that name objects (or are uuids). */
  entityTokens: ReadonlySet<number>;
  /** Kind words right before an object of that kind ("node edge-1"). */
  labels: ReadonlySet<number>;
  /** Verbs in their base form ("reboot", not "rebooting"): commands rather than states. */
  commands: ReadonlySet<number>;
  context: readonly ContextEntity[];
  reference: Reference;
}

export const KIND_WORDS = (kind: EntityKind) => kind.split("_").map(stem);

export async function readRequest(
  text: string,
  now: Date,
  resolver: EntityResolver,
  outcomes: readonly ToolOutcome[],
): Promise<Reading> {
  const a = analyze(text, now);
  const mentions = await findMentions(a, resolver);
  const entityTokens = new Set(mentions.filter((m) => m.matches.length > 0 || m.uuid).map((m) => m.index));
  const commands = new Set(
    a.tokens.flatMap((t, i) =>
      !entityTokens.has(i) && !/(?:ed|ing)$/.test(t) && REQUEST_VERBS.has(stem(t)) ? [i] : [],
    ),
  );
  return {
    a,
    mentions,
    entityTokens,
    commands,
    labels: labelTokens(a, mentions),
    context: contextEntities(outcomes),
    reference: referenceIn(a.tokens),
  };
}

/**
 * Kind words that only label the object named next ("template base", "node edge-1"): they say what
 * the object is, not what the request is about, so they count through the object's kind instead.
 */
function labelTokens(a: Analysis, mentions: readonly Mention[]): Set<number> {
  const out = new Set<number>();
  for (const m of mentions) {
    const prev = m.index - 1;
    if (prev < 0) continue;
    const kinds = m.matches.flatMap((x) => KIND_WORDS(x.kind));
    if (words(a.tokens[prev]!).some((w) => kinds.includes(w))) out.add(prev);
  }
  return out;
}

/** Tokens that name fleet objects (one identify query for the whole request). */
async function findMentions(a: Analysis, resolver: EntityResolver): Promise<Mention[]> {
  const terms = new Map<number, string>();
  a.tokens.forEach((t, i) => {
    if (STOPWORDS.has(t) || /^\d+$/.test(t) || t.length < 2) return;
    terms.set(i, t);
  });
  const uuids = new Set(a.uuids);
  const matches = terms.size ? await resolver.identify([...new Set(terms.values())]) : [];
  const out: Mention[] = [];
  for (const [index, token] of terms) {
    const hits = matches.filter((m) => m.matched.toLowerCase() === token.toLowerCase());
    const uuid = uuids.has(token.toLowerCase());
    if (hits.length || uuid) out.push({ index, token: uuid ? token.toLowerCase() : token, matches: hits, uuid });
  }
  return out;
}
