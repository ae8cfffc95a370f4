// module_promotion_ready: criteria resolution (module → account → default, floors) and the
// count/dwell edges as tables, then one statement over 1,000 observations with the disqualifying
// cases (too few, too short, a high event during the dwell, stale heartbeat, not staging).
import { emitEvent, systemPrincipal } from "@nodepilot/core";
import { module_digest_observations, module_promotion_criteria } from "@nodepilot/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { criteriaOf, modulePromotionReady, type PromotionRow, promotionSignal } from "./module-promotion-ready.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";
import { type SeededModule, seedModule } from "./testing/modules.ts";

const defaults = modulePromotionReady.settings.parse({});
const row = (dwell: number[], o: Partial<PromotionRow> = {}): PromotionRow => ({
  id: "01900000-0000-7000-8000-0000000000f1",
  node_module_id: "01900000-0000-7000-8000-0000000000e1",
  version_number: 4,
  oci_digest: "sha256:abc",
  module_required_count: null,
  module_dwell_seconds: null,
  dwell,
  ...o,
});

describe("module_promotion_ready rules", () => {
  it.each([
    ["3 instances at exactly the dwell", [1800, 1800, 1800], "medium"],
    ["3 instances, one a second short", [1800, 1800, 1799], null],
    ["2 instances", [9000, 9000], null],
    ["5 instances, 3 long enough", [10, 20, 1800, 4000, 1900], "medium"],
    ["none", [], null],
  ])("%s → %s", (_l, dwell, severity) => {
    expect(promotionSignal(row(dwell), defaults)?.severity ?? null).toBe(severity);
  });

  it.each([
    ["default", {}, {}, { required: 3, dwell: 1800 }],
    ["account", { required_count: 5, dwell_seconds: 600 }, {}, { required: 5, dwell: 600 }],
    [
      "module over account",
      { required_count: 5 },
      { module_required_count: 2, module_dwell_seconds: 900 },
      { required: 2, dwell: 900 },
    ],
    ["the 300 s dwell floor", { dwell_seconds: 60 }, {}, { required: 3, dwell: 300 }],
    ["the 1 instance floor", {}, { module_required_count: 0 }, { required: 1, dwell: 1800 }],
  ])("criteria: %s", (_l, account, module, expected) => {
    expect(criteriaOf(row([], module), modulePromotionReady.settings.parse(account))).toEqual(expected);
  });

  it("carries the spec payload", () => {
    expect(promotionSignal(row([3600, 2000, 1900, 10]), defaults)).toEqual({
      kind: "fleet.module_promotion_ready",
      severity: "medium",
      sensor: "module_promotion_ready",
      fingerprint: "promotion_ready:01900000-0000-7000-8000-0000000000f1",
      payload: {
        module_version_id: "01900000-0000-7000-8000-0000000000f1",
        module_id: "01900000-0000-7000-8000-0000000000e1",
        version_number: 4,
        oci_digest: "sha256:abc",
        running_count: 3,
        required_count: 3,
        dwell_time_minutes: 31,
      },
      refs: {
        node_module_id: "01900000-0000-7000-8000-0000000000e1",
        node_module_version_id: "01900000-0000-7000-8000-0000000000f1",
      },
    });
  });
});

describe("module_promotion_ready on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  const now = new Date();
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  const v: Record<string, SeededModule> = {};

  async function observe(mod: SeededModule, instanceIds: string[], firstSeenSecondsAgo: number) {
    for (let i = 0; i < instanceIds.length; i += 1000) {
      await database.db.insert(module_digest_observations).values(
        instanceIds.slice(i, i + 1000).map((id) => ({
          account_id: accountId,
          node_instance_id: id,
          node_module_id: mod.moduleId,
          oci_digest: mod.digest,
          first_seen_at: ago(firstSeenSecondsAgo),
          last_seen_at: ago(20),
        })),
      );
    }
  }
  const fresh = () => ({ status: "running" as const, last_heartbeat_at: ago(15) });

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    v.popular = await seedModule(database, accountId, { state: "staging" });
    await observe(v.popular, (await seedInstances(database, accountId, 1000, fresh())).instanceIds, 3600);
    v.tooFew = await seedModule(database, accountId, { state: "staging" });
    await observe(v.tooFew, (await seedInstances(database, accountId, 2, fresh())).instanceIds, 3600);
    v.tooShort = await seedModule(database, accountId, { state: "staging" });
    await observe(v.tooShort, (await seedInstances(database, accountId, 3, fresh())).instanceIds, 1200);
    // Three instances, but one had a high event after it started running the digest.
    v.troubled = await seedModule(database, accountId, { state: "staging" });
    const troubled = (await seedInstances(database, accountId, 3, fresh())).instanceIds;
    await observe(v.troubled, troubled, 3600);
    await database.db.transaction((tx) =>
      emitEvent(
        tx,
        { principal: systemPrincipal(accountId, []), source: "system", correlationId: null, now: ago(600) },
        { kind: "instance.crashed", severity: "high", node_instance_id: troubled[0]! },
      ),
    );
    // Three instances, one with a stale heartbeat.
    v.stale = await seedModule(database, accountId, { state: "staging" });
    const staleIds = (await seedInstances(database, accountId, 2, fresh())).instanceIds;
    staleIds.push(
      ...(await seedInstances(database, accountId, 1, { status: "running", last_heartbeat_at: ago(400) })).instanceIds,
    );
    await observe(v.stale, staleIds, 3600);
    // The module asks for two instances only.
    v.moduleCriteria = await seedModule(database, accountId, { state: "staging" });
    await observe(v.moduleCriteria, (await seedInstances(database, accountId, 2, fresh())).instanceIds, 3600);
    await database.db
      .insert(module_promotion_criteria)
      .values({ node_module_id: v.moduleCriteria.moduleId, account_id: accountId, required_count: 2 });
    // Already blessed: not a candidate.
    v.blessed = await seedModule(database, accountId, { state: "blessed" });
    await observe(v.blessed, (await seedInstances(database, accountId, 5, fresh())).instanceIds, 3600);
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await database.close();
    }
  });

  it("finds the versions fit for promotion in one statement", async () => {
    const result = await senseCounted(database, modulePromotionReady, { accountId, now });
    expect(result.statements).toHaveLength(1);
    const signals = result.signals as {
      fingerprint: string;
      payload: { running_count: number; required_count: number };
    }[];
    expect(signals.map((s) => s.fingerprint).sort()).toEqual(
      [v.popular!.versionId, v.moduleCriteria!.versionId].map((id) => `promotion_ready:${id}`).sort(),
    );
    const popular = signals.find((s) => s.fingerprint.endsWith(v.popular!.versionId));
    expect(popular?.payload).toMatchObject({ running_count: 1000, required_count: 3 });
    const small = signals.find((s) => s.fingerprint.endsWith(v.moduleCriteria!.versionId));
    expect(small?.payload).toMatchObject({ running_count: 2, required_count: 2 });
  });

  it("uses the account's dwell when the module has none", async () => {
    const result = await senseCounted(database, modulePromotionReady, {
      accountId,
      now,
      settings: { dwell_seconds: 900 },
    });
    const fingerprints = (result.signals as { fingerprint: string }[]).map((s) => s.fingerprint);
    expect(fingerprints).toContain(`promotion_ready:${v.tooShort!.versionId}`);
  });
});
