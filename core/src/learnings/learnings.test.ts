// The learnings store against a real database: PGlite (pgvector, HNSW) by default, the machine's
// PostgreSQL 15 (no pgvector: the exact scan) with NODEPILOT_TEST_DATABASE_URL. Both must give the
// answers computed here from the embeddings in JS.
import { randomUUID } from "node:crypto";
import { accounts, type Database, fleet_events, learnings, openDatabase } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemPrincipal } from "../auth/principal.ts";
import type { Logger } from "../catalog/context.ts";
import type { EventOrigin } from "../events/emit.ts";
import { embedPending } from "./embed-pending.ts";
import { cosine, type Embedder } from "./embedder.ts";
import { localEmbedder } from "./embedder-local.ts";
import { recordLearning } from "./record.ts";
import { similarLearnings } from "./similar.ts";
import { situationHash, situationText } from "./situation.ts";
import { contradictedConfidence, type LearningTrigger, reinforcedConfidence } from "./triggers.ts";
import { type LearningsIndex, prepareLearningsIndex } from "./vector-index.ts";

let database: Database;
let accountId: string;
let index: LearningsIndex;
const logs: string[] = [];
const logger: Logger = {
  debug() {},
  info: (m) => logs.push(m),
  warn: (m) => logs.push(m),
  error: (m) => logs.push(m),
};
const embedder = localEmbedder();

const origin = (now = new Date()): EventOrigin => ({
  principal: systemPrincipal(accountId, []),
  source: "engine",
  correlationId: null,
  now,
});

const situation = (features: Record<string, string | number>, category = "module.sync") =>
  situationText({
    kind: "fleet.module_drift",
    category,
    severity: "high",
    target_type: "instance",
    module: { name: "nginx", version: 7 },
    features,
  });

async function record(trigger: LearningTrigger, text: string, category = "module.sync") {
  return database.db.transaction((tx) =>
    recordLearning(tx, origin(), { trigger, situation_text: text, action_category: category, title: `t ${trigger}` }),
  );
}

async function row(id: string) {
  const [r] = await database.db.select().from(learnings).where(eq(learnings.id, id));
  return r!;
}

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: process.env.NODEPILOT_TEST_DATABASE_URL || undefined, poolSize: 3 });
  const name = `learnings-${randomUUID()}`;
  const [a] = await database.db.insert(accounts).values({ name, slug: name }).returning({ id: accounts.id });
  accountId = a!.id;
  index = await prepareLearningsIndex(database, embedder, logger);
});

afterAll(async () => {
  await database.db.delete(accounts).where(eq(accounts.id, accountId));
  await database.close();
});

describe("prepareLearningsIndex", () => {
  it("chooses HNSW where pgvector exists and the exact scan elsewhere, and says so", async () => {
    expect(index.mode).toBe(database.hasVector ? "hnsw" : "exact");
    expect(logs).toContain(
      database.hasVector ? "learnings: pgvector HNSW" : "learnings: exact scan (no pgvector on this server)",
    );
    // Idempotent: a second process start changes nothing.
    const again = await prepareLearningsIndex(database, embedder, logger);
    expect(again.mode).toBe(index.mode);
  });
});

describe("recordLearning", () => {
  it("writes one row per situation and polarity, reinforces repeats, weakens the opposite", async () => {
    const text = situation({ drifted_pct: 30, failures: 1 });
    const first = await record("remediation_ineffective", text);
    expect(first).toMatchObject({ polarity: "rejected", reinforced: false, confidence: 0.6 });
    const again = await record("remediation_failed", text);
    expect(again.id).toBe(first.id);
    expect(again.reinforced).toBe(true);
    expect(again.confidence).toBeCloseTo(0.64, 10);
    expect(again.confidence).toBeCloseTo(reinforcedConfidence(0.6), 10);
    const r = await row(first.id);
    expect(r).toMatchObject({
      access_count: 2,
      category: "failure_mode",
      source: "decision_outcome",
      importance_score: 0.45,
      situation_hash: situationHash(text),
      embedding_status: "pending",
    });

    const confirmed = await record("remediation_effective", text);
    expect(confirmed.id).not.toBe(first.id);
    expect(confirmed.contradicted_id).toBe(first.id);
    const weakened = await row(first.id);
    expect(weakened.confidence_score).toBeCloseTo(contradictedConfidence(reinforcedConfidence(0.6)), 10);
    expect(weakened.confidence_score).toBeCloseTo(0.512, 10);
    expect(weakened.contradiction_note).toContain(confirmed.id);

    const events = await database.db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, accountId), eq(fleet_events.subject_id, first.id)));
    expect(events.map((e) => [e.kind, e.payload.reinforced])).toEqual([
      ["autonomy.learning_recorded", false],
      ["autonomy.learning_recorded", true],
    ]);
  });

  it("caps reinforcement at 0.95", async () => {
    const text = situation({ drifted_pct: 90, failures: 9 }, "cert.rotate");
    let last = await record("approved_effective", text, "cert.rotate");
    for (let i = 0; i < 30; i++) last = await record("approved_effective", text, "cert.rotate");
    expect(last.confidence).toBeCloseTo(0.95, 10);
    expect(reinforcedConfidence(0.945)).toBe(0.95);
    expect(reinforcedConfidence(1)).toBe(1); // a verified learning above the cap is not lowered
  });

  it("neutral learnings contradict nothing", async () => {
    const text = situation({ drifted_pct: 10 }, "config.apply");
    const rej = await record("rejected_by_human", text, "config.apply");
    const neutral = await record("approval_expired", text, "config.apply");
    expect(neutral.polarity).toBe("neutral");
    expect(neutral.contradicted_id).toBeNull();
    expect((await row(rej.id)).confidence_score).toBe(0.7);
  });
});

describe("similarLearnings", () => {
  const category = "instance.recover";
  const query = situation({ drifted_pct: 45, failures: 3, region: "eu" }, category);
  const texts = [
    situation({ drifted_pct: 45, failures: 3, region: "eu" }, category), // the same situation
    situation({ drifted_pct: 65, failures: 3, region: "eu" }, category), // one bucket away
    situation({ drifted_pct: 45, failures: 7, region: "us" }, category),
    situation({ drifted_pct: 5, failures: 0, region: "ap", cause: "disk" }, category),
    situationText({ kind: "cert.expiring", category, severity: "low", target_type: "certificate" }),
  ];
  const triggers: LearningTrigger[] = [
    "rejected_by_human",
    "remediation_ineffective",
    "remediation_effective",
    "rejected_by_human",
    "remediation_failed",
  ];

  it("answers with the exact match at sim 1.0 before anything is embedded", async () => {
    const exact = await record("rejected_by_human", texts[0]!, category);
    const r = await similarLearnings(database.db, index, { accountId, situation_text: query, category });
    expect(r.degraded).toBeNull();
    expect(r.learnings.map((l) => [l.id, l.sim, l.exact])).toEqual([[exact.id, 1, true]]);
  });

  it("gives the answer computed from the embeddings, on either search path", async () => {
    const ids: string[] = [];
    for (let i = 0; i < texts.length; i++) ids.push((await record(triggers[i]!, texts[i]!, category)).id);
    await record("approval_expired", texts[1]!, category); // neutral: never similar
    await record("remediation_ineffective", texts[1]!, "module.sync"); // other category
    let done = 0;
    for (;;) {
      const r = await embedPending(database.db, embedder);
      if (r.embedded === 0) break;
      done += r.embedded;
    }
    expect(done).toBeGreaterThanOrEqual(texts.length);
    const [q] = await embedder.embed([query]);
    const [vectors] = [await embedder.embed(texts)];
    const expected = ids
      .map((id, i) => ({ id, sim: i === 0 ? 1 : cosine(q!, vectors[i]!) }))
      .filter((x) => x.sim >= 0.5)
      .sort((a, b) => b.sim - a.sim || a.id.localeCompare(b.id));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(expected.length).toBeLessThan(texts.length);

    for (const mode of database.hasVector ? (["hnsw", "exact"] as const) : (["exact"] as const)) {
      const r = await similarLearnings(database.db, index, {
        accountId,
        situation_text: query,
        category,
        threshold: 0.5,
        mode,
      });
      expect(r.degraded).toBeNull();
      expect(r.learnings.map((l) => l.id)).toEqual(expected.map((e) => e.id));
      for (const [i, l] of r.learnings.entries()) expect(l.sim).toBeCloseTo(expected[i]!.sim, 5);
      expect(r.learnings[0]).toMatchObject({ exact: true, polarity: "rejected", confidence: 0.73 }); // recorded twice: reinforced
    }

    // The default threshold (0.85) keeps only the close ones, limit caps the count.
    const strict = await similarLearnings(database.db, index, { accountId, situation_text: query, category });
    expect(strict.learnings.map((l) => l.id)).toEqual(expected.filter((e) => e.sim >= 0.85).map((e) => e.id));
    const one = await similarLearnings(database.db, index, {
      accountId,
      situation_text: query,
      category,
      threshold: 0.5,
      limit: 1,
    });
    expect(one.learnings.map((l) => l.id)).toEqual([ids[0]]);
  });

  it("falls back to exact matches when the embedder is down", async () => {
    const down: Embedder = {
      model: embedder.model,
      dimensions: embedder.dimensions,
      embed: () => Promise.reject(new Error("connection refused")),
    };
    const r = await similarLearnings(
      database.db,
      { mode: index.mode, embedder: down },
      { accountId, situation_text: query, category, threshold: 0.5 },
    );
    expect(r.degraded).toBe("embedding_unavailable");
    expect(r.learnings.map((l) => [l.sim, l.exact])).toEqual([[1, true]]);
  });
});

describe("embedPending", () => {
  it("backs off on failure and gives up after 24 h", async () => {
    const other = `learnings-${randomUUID()}`;
    const [a] = await database.db.insert(accounts).values({ name: other, slug: other }).returning({ id: accounts.id });
    try {
      const down: Embedder = { model: "m", dimensions: 256, embed: () => Promise.reject(new Error("503")) };
      const created = new Date("2026-01-01T00:00:00Z");
      await database.db.insert(learnings).values({
        account_id: a!.id,
        source: "operator",
        title: "x",
        category: "fact",
        polarity: "neutral",
        action_category: "x.y",
        situation_text: "kind=x",
        situation_hash: randomUUID(),
        importance_score: 0.5,
        confidence_score: 0.5,
        created_at: created,
      });
      // Other rows of this suite are due too; the batch takes them all, so look at this account's row.
      const mine = async () => (await database.db.select().from(learnings).where(eq(learnings.account_id, a!.id)))[0]!;
      const t1 = new Date(created.getTime() + 60_000);
      await embedPending(database.db, down, { now: t1, batchSize: 1000 });
      let r = await mine();
      expect(r).toMatchObject({ embedding_status: "pending", embedding_attempts: 1, embedding_error: "503" });
      expect(r.embedding_next_attempt_at!.getTime()).toBe(t1.getTime() + 60_000);
      await embedPending(database.db, down, { now: new Date(t1.getTime() + 60_000), batchSize: 1000 });
      r = await mine();
      expect(r.embedding_attempts).toBe(2);
      expect(r.embedding_next_attempt_at!.getTime()).toBe(t1.getTime() + 60_000 + 120_000);
      await embedPending(database.db, down, { now: new Date(created.getTime() + 25 * 3600_000), batchSize: 1000 });
      r = await mine();
      expect(r.embedding_status).toBe("failed");
    } finally {
      await database.db.delete(accounts).where(eq(accounts.id, a!.id));
    }
  });
});

describe("a change of embedder", () => {
  // Resets every account's rows, so only on the private in-memory PGlite, never on a shared server.
  it.runIf(process.env.NODEPILOT_TEST_DATABASE_URL === undefined || process.env.NODEPILOT_TEST_DATABASE_URL === "")(
    "re-embeds every row and rebuilds the vector column at the new dimension",
    async () => {
      const small = localEmbedder(128);
      const next = await prepareLearningsIndex(database, small, logger);
      const states = await database.db
        .select({ status: learnings.embedding_status, model: learnings.embedding_model })
        .from(learnings)
        .where(eq(learnings.account_id, accountId));
      expect(states.every((s) => s.status === "pending")).toBe(true);
      if (database.hasVector) {
        const r = await database.pool.query(
          "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'learnings'::regclass AND attname = 'embedding_vec' AND NOT attisdropped",
        );
        expect(r.rows[0]?.t).toBe("vector(128)");
      }
      while ((await embedPending(database.db, small, { batchSize: 1000 })).embedded > 0) {}
      const query = situation({ drifted_pct: 45, failures: 3, region: "eu" }, "instance.recover");
      const r = await similarLearnings(database.db, next, {
        accountId,
        situation_text: query,
        category: "instance.recover",
        threshold: 0.5,
      });
      expect(r.learnings.length).toBeGreaterThanOrEqual(3);
      expect(r.learnings[0]).toMatchObject({ exact: true, sim: 1 });
    },
  );
});
