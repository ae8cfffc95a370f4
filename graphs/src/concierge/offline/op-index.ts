// A BM25F index over the catalog: each operation is a document whose fields are its name, title,
// example phrases, input field names and description, weighted in that order. A request scores
// against every operation; the planner adds what a bag of words cannot see (verbs, named objects).
import type { AnyOperation } from "@nodepilot/core";
import { fieldsOf } from "./fields.ts";
import { STOPWORDS } from "./lexicon.ts";
import { normalize, words } from "./text.ts";

type Field = "name" | "title" | "examples" | "fields" | "description";

const BOOST: Record<Field, number> = { name: 3, title: 2, examples: 2, fields: 0.8, description: 0.5 };
const K1 = 1.2;
/** Inputs every list or write takes; they say nothing about what the operation is for. */
const GENERIC_FIELDS = new Set(["limit", "cursor", "idempotency_key", "version", "id"]);

export interface OpIndex {
  operations: readonly AnyOperation[];
  /** Score each operation for weighted query terms (stems). */
  score(query: ReadonlyMap<string, number>): Map<string, number>;
  /** Terms that occur in some operation's document: the vocabulary of the catalog. */
  has(term: string): boolean;
}

const terms = (text: string) => words(normalize(text)).filter((w) => !STOPWORDS.has(w));

function documentOf(op: AnyOperation): Record<Field, string[]> {
  return {
    name: op.name.split(/[._]/).flatMap((part) => terms(part)),
    title: terms(op.title),
    examples: op.examples.flatMap((e) => terms(e.phrase)),
    // Field names and the enum values an operation accepts ("stopped", "failed", "spot").
    fields: fieldsOf(op)
      .filter((f) => !GENERIC_FIELDS.has(f.name))
      .flatMap((f) => [
        ...terms(f.name.replaceAll("_", " ")),
        ...[...(f.enum ?? []), ...(f.itemEnum ?? [])].flatMap((v) => terms(v.replaceAll("_", " "))),
      ]),
    description: terms(op.description),
  };
}

export function buildOpIndex(operations: readonly AnyOperation[]): OpIndex {
  // Weighted term frequency per operation, and document frequency per term.
  const weighted = new Map<string, Map<string, number>>();
  const df = new Map<string, number>();
  for (const op of operations) {
    const doc = documentOf(op);
    const tf = new Map<string, number>();
    for (const field of Object.keys(BOOST) as Field[]) {
      const counts = new Map<string, number>();
      for (const t of doc[field]) counts.set(t, (counts.get(t) ?? 0) + 1);
      // Saturate within a field: a long description repeating a word is not more about it.
      for (const [t, n] of counts) tf.set(t, (tf.get(t) ?? 0) + BOOST[field] * Math.min(n, 2));
    }
    weighted.set(op.name, tf);
    for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const n = operations.length;
  const idf = (t: string) => {
    const d = df.get(t) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  return {
    operations,
    has: (t) => df.has(t),
    score(query) {
      const out = new Map<string, number>();
      for (const op of operations) {
        const tf = weighted.get(op.name)!;
        let s = 0;
        for (const [t, w] of query) {
          const f = tf.get(t);
          if (f) s += w * idf(t) * ((f * (K1 + 1)) / (f + K1));
        }
        out.set(op.name, s);
      }
      return out;
    },
  };
}
