// What the learning loop needs from an embedding model: a stable name (stored per row, so a model
// change re-embeds), a fixed dimension (the pgvector column is vector(D)), and a batch call.
export interface Embedder {
  /** Stored as learnings.embedding_model; a different name at start marks every row for re-embedding. */
  readonly model: string;
  readonly dimensions: number;
  /** One L2-normalised vector of `dimensions` numbers per text, in order. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** Unit length, so that a dot product is the cosine similarity; a zero vector stays zero. */
export function l2Normalise(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  if (sum === 0) return v;
  const norm = Math.sqrt(sum);
  return v.map((x) => x / norm);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
