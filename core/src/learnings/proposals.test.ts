// Policy proposals from clusters of similar learnings (§5.5), on PGlite (HNSW) or PostgreSQL (exact scan).
import { randomUUID } from "node:crypto";
import { accounts, type Database, fleet_events, openDatabase, policy_proposals } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemPrincipal } from "../auth/principal.ts";
import type { EventOrigin } from "../events/emit.ts";
import { embedPending } from "./embed-pending.ts";
import { localEmbedder } from "./embedder-local.ts";
import { proposalDirection, proposePolicyChange } from "./proposals.ts";
import { recordLearning } from "./record.ts";
import { situationText } from "./situation.ts";
import type { LearningTrigger } from "./triggers.ts";
import { type LearningsIndex, prepareLearningsIndex } from "./vector-index.ts";

let database: Database;
let accountId: string;
let index: LearningsIndex;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const origin = (): EventOrigin => ({
  principal: systemPrincipal(accountId, []),
  source: "engine",
  correlationId: null,
  now: new Date(),
});

const text = (category: string, failures: number, region: string) =>
  situationText({
    kind: "fleet.module_drift",
    category,
    severity: "high",
    target_type: "instance",
    module: { name: "nginx", version: 7 },
    features: { drifted_pct: 45, failures, region, arch: "amd64", provider: "local" },
  });

async function cluster(trigger: LearningTrigger, category: string, n: number) {
  const ids: string[] = [];
  const regions = ["eu", "us", "ap", "sa"];
  for (let i = 0; i < n; i++) {
    const r = await database.db.transaction((tx) =>
      recordLearning(tx, origin(), {
        trigger,
        situation_text: text(category, i % 2 === 0 ? 3 : 7, regions[i] ?? "eu"),
        action_category: category,
        title: `${trigger} ${i}`,
      }),
    );
    ids.push(r.id);
  }
  while ((await embedPending(database.db, index.embedder)).embedded > 0) {}
  return ids;
}

const propose = (
  learningId: string,
  effectivePolicy: Parameters<typeof proposalDirection>[0]["effectivePolicy"],
  neverLoosen = false,
) =>
  database.db.transaction((tx) =>
    proposePolicyChange(tx, origin(), index, { learningId, effectivePolicy, neverLoosen }),
  );

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: process.env.NODEPILOT_TEST_DATABASE_URL || undefined, poolSize: 3 });
  const name = `proposals-${randomUUID()}`;
  const [a] = await database.db.insert(accounts).values({ name, slug: name }).returning({ id: accounts.id });
  accountId = a!.id;
  index = await prepareLearningsIndex(database, localEmbedder(), quiet);
});

afterAll(async () => {
  await database.db.delete(accounts).where(eq(accounts.id, accountId));
  await database.close();
});

describe("proposalDirection", () => {
  const base = { source: "approval_outcome", neverLoosen: false, recentRejected: false };
  it.each([
    ["rejected", "auto_approve", { direction: "tighten", to: "notify_and_proceed" }],
    ["rejected", "notify_and_proceed", { direction: "tighten", to: "require_approval" }],
    ["rejected", "require_approval", null],
    ["rejected", "block", null],
    ["confirmed", "require_approval", { direction: "loosen", to: "notify_and_proceed" }],
    ["confirmed", "notify_and_proceed", null],
    ["confirmed", "block", null],
  ] as const)("%s cluster under %s → %j", (polarity, effectivePolicy, expected) => {
    expect(proposalDirection({ ...base, polarity, effectivePolicy })).toEqual(expected);
  });
  it("never loosens a category flagged N, with a recent rejection, or from decision outcomes", () => {
    const c = { ...base, polarity: "confirmed" as const, effectivePolicy: "require_approval" as const };
    expect(proposalDirection({ ...c, neverLoosen: true })).toBeNull();
    expect(proposalDirection({ ...c, recentRejected: true })).toBeNull();
    expect(proposalDirection({ ...c, source: "decision_outcome" })).toBeNull();
  });
});

describe("proposePolicyChange", () => {
  it("proposes tightening after 3 similar rejections, once per (category, direction)", async () => {
    const two = await cluster("rejected_by_human", "module.sync", 2);
    expect((await propose(two[1]!, "notify_and_proceed")).reason).toBe("cluster_too_small");
    const three = await cluster("rejected_by_human", "module.sync", 3);
    const first = await propose(three[2]!, "notify_and_proceed");
    expect(first).toMatchObject({ direction: "tighten", created: true, reason: "proposed" });
    expect(first.cluster_ids).toHaveLength(3);
    const [row] = await database.db.select().from(policy_proposals).where(eq(policy_proposals.id, first.proposal_id!));
    expect(row).toMatchObject({
      action_category: "module.sync",
      from_policy: "notify_and_proceed",
      to_policy: "require_approval",
      status: "open",
    });
    expect(row!.expires_at.getTime() - row!.created_at.getTime()).toBeGreaterThan(13.9 * 86400_000);
    const again = await propose(three[0]!, "notify_and_proceed");
    expect(again).toMatchObject({ proposal_id: first.proposal_id, created: false, reason: "refreshed" });
    const open = await database.db
      .select()
      .from(policy_proposals)
      .where(and(eq(policy_proposals.account_id, accountId), eq(policy_proposals.status, "open")));
    expect(open).toHaveLength(1);
    const events = await database.db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, accountId), eq(fleet_events.kind, "autonomy.policy_proposed")));
    expect(events).toHaveLength(1);
    // Already at RA: nothing stricter to propose.
    expect((await propose(three[0]!, "require_approval")).reason).toBe("no_direction");
  });

  it("proposes loosening RA to NP after 3 approved-and-effective outcomes, unless the category is N", async () => {
    const ids = await cluster("approved_effective", "cert.rotate", 3);
    expect((await propose(ids[0]!, "require_approval", true)).reason).toBe("no_direction");
    const r = await propose(ids[0]!, "require_approval");
    expect(r).toMatchObject({ direction: "loosen", created: true });
    const [row] = await database.db.select().from(policy_proposals).where(eq(policy_proposals.id, r.proposal_id!));
    expect(row!.to_policy).toBe("notify_and_proceed");
  });

  it("stays muted for 7 days after a dismissal", async () => {
    const ids = await cluster("remediation_failed", "config.apply", 3);
    const r = await propose(ids[0]!, "auto_approve");
    expect(r.created).toBe(true);
    await database.db
      .update(policy_proposals)
      .set({ status: "dismissed", decided_at: new Date() })
      .where(eq(policy_proposals.id, r.proposal_id!));
    expect((await propose(ids[1]!, "auto_approve")).reason).toBe("muted_after_dismissal");
  });
});
