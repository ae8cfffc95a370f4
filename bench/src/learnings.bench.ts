// Learnings benchmark (spec/autonomy.md §5.3, ADR 0007): N learnings with the local embedder in one
// account, then similar() for Q query situations (each a near-duplicate of a stored one: one feature
// moved a bucket) through pgvector's HNSW index next to the exact scan (cosine over real[] in SQL) in
// the same run and database, alternating per query; and recall@20 of HNSW against the exact scan as
// the oracle (top 20 with no threshold; and the ids ≥ 0.85 that the gate would use). Only where the
// server has pgvector (PGlite always); elsewhere the exact scan is the only path and is reported alone.
// Also the local embedder's separation: cosine of near-duplicate pairs vs unrelated pairs.
import {
  cosine,
  localEmbedder,
  prepareLearningsIndex,
  type SimilarQuery,
  similarLearnings,
  situationHash,
  situationText,
} from "@nodepilot/core";
import { learnings } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import type { Backend } from "./backends.ts";
import { percentile, type Row } from "./stats.ts";

export interface LearningsBenchOptions {
  learnings: number;
  queries: number;
}

// A small deterministic PRNG so every run measures the same data.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KINDS = [
  "fleet.instance_silent",
  "fleet.module_drift",
  "fleet.cert_expiring",
  "fleet.config_drift",
  "fleet.slo_violation",
  "fleet.package_drift",
  "fleet.sdwan_peer_down",
  "fleet.storage_drift",
];
const CATEGORIES = ["instance.recover", "module.sync", "cert.rotate", "config.apply"];
const SEVERITIES = ["low", "medium", "high", "critical"];
const TARGETS = ["instance", "module", "certificate", "node"];

type Situation = Parameters<typeof situationText>[0];

function generator(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const featurePool: Array<[string, () => number | string]> = [
    ["drifted_pct", () => Math.floor(r() * 100)],
    ["cpu_pct", () => Math.floor(r() * 100)],
    ["silent_seconds", () => Math.floor(r() * 7200)],
    ["failures", () => Math.floor(r() * 8)],
    ["restarts", () => Math.floor(r() * 8)],
    ["region", () => pick(["eu", "us", "ap", "sa"])],
    ["provider", () => pick(["local", "hetzner", "aws", "metal"])],
    ["arch", () => pick(["amd64", "arm64"])],
  ];
  const situation = (): Situation => {
    const features: Record<string, number | string> = {};
    for (const [k, v] of featurePool) if (r() < 0.5) features[k] = v();
    return {
      kind: pick(KINDS),
      category: pick(CATEGORIES),
      severity: pick(SEVERITIES),
      target_type: pick(TARGETS),
      module: { name: `mod-${Math.floor(r() * 60)}`, version: 1 + Math.floor(r() * 20) },
      template: { name: `tpl-${Math.floor(r() * 8)}`, environment: pick(["dev", "staging", "production"]) },
      features,
    };
  };
  /** The same situation with one feature moved to another bucket (or one added). */
  const nearDuplicate = (s: Situation): Situation => {
    const features = { ...(s.features ?? {}) } as Record<string, number | string>;
    const [k, v] = pick(featurePool);
    const before = situationText(s);
    for (let i = 0; i < 10; i++) {
      features[k] = v();
      if (situationText({ ...s, features }) !== before) break;
    }
    return { ...s, features };
  };
  return { situation, nearDuplicate, random: r };
}

export async function benchLearnings(backend: Backend, opts: LearningsBenchOptions): Promise<Row[]> {
  const { runtime } = backend;
  const db = runtime.database.db;
  const embedder = localEmbedder();
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  await prepareLearningsIndex(runtime.database, embedder, logger);
  // Bulk load without the HNSW index, then build it once (as a restore would); the load is not measured.
  await db.execute(sql`DROP INDEX IF EXISTS learnings_embedding_hnsw`);
  const accountId = runtime.accountId;
  const gen = generator(7);

  // Load: distinct situations, embedded up front (as embedPending would), in batches.
  const stored: Situation[] = [];
  const seen = new Set<string>();
  while (stored.length < opts.learnings) {
    const s = gen.situation();
    const text = situationText(s);
    if (seen.has(text)) continue;
    seen.add(text);
    stored.push(s);
  }
  const t0 = performance.now();
  for (let i = 0; i < stored.length; i += 500) {
    const chunk = stored.slice(i, i + 500);
    const texts = chunk.map(situationText);
    const vectors = await embedder.embed(texts);
    await db.insert(learnings).values(
      chunk.map((s, j) => ({
        account_id: accountId,
        source: "decision_outcome" as const,
        title: `bench ${i + j}`,
        category: "failure_mode" as const,
        polarity: gen.random() < 0.5 ? ("rejected" as const) : ("confirmed" as const),
        action_category: s.category,
        situation_text: texts[j] as string,
        situation_hash: situationHash(texts[j] as string),
        embedding: vectors[j],
        embedding_model: embedder.model,
        embedding_status: "ready" as const,
        importance_score: 0.45,
        confidence_score: 0.6,
      })),
    );
  }
  const index = await prepareLearningsIndex(runtime.database, embedder, logger);
  await db.execute(sql`ANALYZE learnings`);
  process.stderr.write(
    `bench: learnings ${backend.name}: ${stored.length} rows loaded and indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s (${index.mode})\n`,
  );

  const queries: SimilarQuery[] = [];
  for (let i = 0; i < opts.queries; i++) {
    const base = stored[Math.floor(gen.random() * stored.length)] as Situation;
    const q = gen.nearDuplicate(base);
    queries.push({ accountId, situation_text: situationText(q), category: q.category });
  }

  const rows: Row[] = [];
  const label = `N=${stored.length}`;
  const exactMs: number[] = [];
  const hnswMs: number[] = [];
  let topHits = 0;
  let topTotal = 0;
  let gateHits = 0;
  let gateTotal = 0;
  const modes = index.mode === "hnsw" ? (["hnsw", "exact"] as const) : (["exact"] as const);
  // Warm both paths once so the first query's planning and cache misses are not in the figures.
  for (const mode of modes) await similarLearnings(db, index, { ...(queries[0] as SimilarQuery), mode });
  for (const [i, q] of queries.entries()) {
    const order = i % 2 === 0 ? modes : [...modes].reverse();
    const answers: Record<string, string[]> = {};
    for (const mode of order) {
      const s = performance.now();
      const r = await similarLearnings(db, index, { ...q, mode });
      (mode === "hnsw" ? hnswMs : exactMs).push(performance.now() - s);
      if (r.degraded) throw new Error(`similar() degraded: ${r.degraded}`);
      answers[mode] = r.learnings.map((l) => l.id);
    }
    if (index.mode !== "hnsw") continue;
    const oracle = await similarLearnings(db, index, { ...q, mode: "exact", threshold: -1 });
    const approx = await similarLearnings(db, index, { ...q, mode: "hnsw", threshold: -1 });
    const got = new Set(approx.learnings.map((l) => l.id));
    topTotal += oracle.learnings.length;
    topHits += oracle.learnings.filter((l) => got.has(l.id)).length;
    const gateGot = new Set(answers.hnsw);
    gateTotal += answers.exact?.length ?? 0;
    gateHits += (answers.exact ?? []).filter((id) => gateGot.has(id)).length;
  }
  exactMs.sort((a, b) => a - b);
  hnswMs.sort((a, b) => a - b);
  if (index.mode === "hnsw") {
    for (const p of [50, 99] as const) {
      rows.push({
        backend: backend.name,
        metric: `learnings similar() p${p}, HNSW (${label})`,
        unit: "ms",
        nodepilot: percentile(hnswMs, p),
        baseline: percentile(exactMs, p),
        better: "lower",
        baselineLabel: "exact cosine scan over real[] in SQL, same data, same run",
      });
    }
    rows.push({
      backend: backend.name,
      metric: `learnings recall@20, HNSW vs exact (${label}, no threshold)`,
      unit: "",
      nodepilot: topTotal === 0 ? Number.NaN : topHits / topTotal,
      baseline: 1,
      better: "higher",
      baselineLabel: "exact scan (the oracle)",
    });
    rows.push({
      backend: backend.name,
      metric: `learnings recall of sim ≥ 0.85 answers, HNSW (${label}, ${gateTotal} oracle hits)`,
      unit: "",
      nodepilot: gateTotal === 0 ? Number.NaN : gateHits / gateTotal,
      baseline: 1,
      better: "higher",
      baselineLabel: "exact scan (the oracle)",
    });
  } else {
    process.stderr.write(
      `bench: learnings ${backend.name}: exact scan only (no pgvector), p50 ${percentile(exactMs, 50).toFixed(2)} ms, p99 ${percentile(exactMs, 99).toFixed(2)} ms\n`,
    );
  }

  // The local embedder's separation on the same generator: near-duplicates vs unrelated pairs.
  const nearSims: number[] = [];
  const farSims: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const a = stored[i % stored.length] as Situation;
    const [va, vn, vf] = await embedder.embed([
      situationText(a),
      situationText(gen.nearDuplicate(a)),
      situationText(stored[(i * 7919 + 13) % stored.length] as Situation),
    ]);
    nearSims.push(cosine(va as number[], vn as number[]));
    farSims.push(cosine(va as number[], vf as number[]));
  }
  nearSims.sort((a, b) => a - b);
  farSims.sort((a, b) => a - b);
  const above = (xs: number[]) => xs.filter((x) => x >= 0.85).length / xs.length;
  process.stderr.write(
    `bench: local embedder: near-duplicates ≥ 0.85: ${above(nearSims).toFixed(3)}, unrelated ≥ 0.85: ${above(farSims).toFixed(3)}; ` +
      `near p5/p50 ${percentile(nearSims, 5).toFixed(3)}/${percentile(nearSims, 50).toFixed(3)}, ` +
      `unrelated p50/p95/max ${percentile(farSims, 50).toFixed(3)}/${percentile(farSims, 95).toFixed(3)}/${(farSims.at(-1) ?? Number.NaN).toFixed(3)}\n`,
  );
  rows.push({
    backend: backend.name,
    metric: "local embedder: near-duplicate sim p5",
    unit: "",
    nodepilot: percentile(nearSims, 5),
    baseline: percentile(farSims, 95),
    better: "higher",
    baselineLabel: "unrelated pairs, sim p95",
  });
  return rows;
}
