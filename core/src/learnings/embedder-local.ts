// The built-in embedder: a lexical feature-hashing embedding, not a semantic model. Each `key=value`
// token of the situation text, each word and each character trigram is hashed (signed hashing trick)
// into D = 256 dimensions and the sum is L2-normalised. Deterministic, no model download, no network.
// Two situations are similar exactly as far as they share tokens: it recognises the same situation
// with a few bucketed features changed, never synonyms. docs/learnings.md has its measured behaviour.
import type { Embedder } from "./embedder.ts";
import { l2Normalise } from "./embedder.ts";

export const LOCAL_EMBEDDING_DIMENSIONS = 256;

// Whole k=v features carry the decision-relevant identity; words and trigrams give partial credit
// to near matches (module names sharing a stem, versions sharing digits).
const WEIGHT = { feature: 1, word: 0.5, trigram: 0.25 } as const;

/** FNV-1a over UTF-16 code units with a seed; good enough spread for hashing features. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function situationTokens(text: string): Array<[token: string, weight: number]> {
  const out: Array<[string, number]> = [];
  for (const part of text.split(/[\n\s,]+/)) {
    if (part === "") continue;
    out.push([`f:${part}`, WEIGHT.feature]);
    for (const word of part.split(/[^a-z0-9<>+-]+/i)) {
      if (word === "") continue;
      out.push([`w:${word}`, WEIGHT.word]);
      const padded = `^${word}$`;
      for (let i = 0; i + 3 <= padded.length; i++) out.push([`c:${padded.slice(i, i + 3)}`, WEIGHT.trigram]);
    }
  }
  return out;
}

export function hashEmbed(text: string, dimensions = LOCAL_EMBEDDING_DIMENSIONS): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const [token, weight] of situationTokens(text)) {
    const index = fnv1a(token, 0) % dimensions;
    const sign = (fnv1a(token, 0x9e3779b9) & 1) === 0 ? 1 : -1;
    v[index] = (v[index] as number) + sign * weight;
  }
  return l2Normalise(v);
}

export function localEmbedder(dimensions = LOCAL_EMBEDDING_DIMENSIONS): Embedder {
  return {
    model: `local-hash-${dimensions}`,
    dimensions,
    embed: async (texts) => texts.map((t) => hashEmbed(t, dimensions)),
  };
}
