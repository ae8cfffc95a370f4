// learnings.embed: a learning written with its embedding pending is embedded by the job with the
// runtime's embedder, after which similar() finds it for a situation that is close but not equal.
import { randomUUID } from "node:crypto";
import { recordLearning, similarLearnings, situationText, systemPrincipal } from "@nodepilot/core";
import { learnings } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { learningsEmbedHandler } from "./learnings-embed.ts";
import { quietLogger } from "./test-support.ts";

let fleet: TestFleet;
beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
});
afterAll(async () => {
  await fleet?.close();
});

const situation = (features: Record<string, string | number>) =>
  situationText({
    kind: "fleet.module_drift",
    category: "module.sync",
    severity: "high",
    target_type: "node_instance",
    features,
  });

describe("learnings.embed", () => {
  it("embeds pending learnings of the account, after which similar() matches a near situation", async () => {
    const { runtime } = fleet;
    const db = runtime.database.db;
    const accountId = runtime.accountId;
    const origin = {
      principal: systemPrincipal(accountId, []),
      source: "learning" as const,
      correlationId: null,
      now: new Date(),
    };
    const written = await db.transaction((tx) =>
      recordLearning(tx, origin, {
        trigger: "remediation_ineffective",
        situation_text: situation({ missing_count: 3, extra_count: 0, mismatched_count: 1, region: "eu-west" }),
        action_category: "module.sync",
        title: "module.sync did not fix drift",
      }),
    );
    const before = await db.select().from(learnings).where(eq(learnings.id, written.id));
    expect(before[0]!.embedding_status).toBe("pending");
    const near = situation({ missing_count: 3, extra_count: 0, mismatched_count: 1, region: "eu-central" });
    const unembedded = await similarLearnings(db, runtime.learnings, {
      accountId,
      situation_text: near,
      category: "module.sync",
      threshold: 0.5,
    });
    expect(unembedded.learnings).toEqual([]);

    const stats = await learningsEmbedHandler(runtime.services, runtime.learnings)(
      { account_id: accountId, batch_size: 64, max_batches: 5 },
      {
        jobId: randomUUID(),
        attempt: 1,
        signal: new AbortController().signal,
        scheduledFor: undefined,
        logger: quietLogger,
      },
    );
    expect(stats).toMatchObject({ embedded: 1, failed: 0, model: runtime.learnings.embedder.model });
    const after = await db.select().from(learnings).where(eq(learnings.id, written.id));
    expect(after[0]!.embedding_status).toBe("ready");
    const found = await similarLearnings(db, runtime.learnings, {
      accountId,
      situation_text: near,
      category: "module.sync",
      threshold: 0.5,
    });
    expect(found.learnings.map((l) => [l.id, l.exact])).toEqual([[written.id, false]]);
    expect(found.learnings[0]!.sim).toBeGreaterThan(0.5);
  });

  it("says plainly when the process has no embedder", async () => {
    const handler = learningsEmbedHandler(fleet.runtime.services, undefined);
    await expect(
      handler(
        { batch_size: 64, max_batches: 1 },
        {
          jobId: randomUUID(),
          attempt: 1,
          signal: new AbortController().signal,
          scheduledFor: undefined,
          logger: quietLogger,
        },
      ),
    ).rejects.toThrow(/without a learnings index/);
  });
});
