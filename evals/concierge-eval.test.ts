// The concierge eval in CI: every case against the offline model on a seeded fleet, asserted at the
// measured pass rate (rounded down to a whole percent). `npm run eval` prints the same run case by
// case, and with OPENAI_API_KEY / OPENAI_BASE_URL set runs it against that model instead.
import { chooseChatModel, conciergeVocabulary, storeResolver } from "@nodepilot/graphs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../server/src/testing/harness.ts";
import { CONCIERGE_CASES } from "./concierge-cases.ts";
import { formatResults, passRate, runEval } from "./eval-runner.ts";
import { buildFleetFixture, type FleetFixture } from "./fleet-fixture.ts";

/** Measured 129/130 (99.2%); the miss is "anything silent in the fleet?" → fleet_summary.get. */
const OFFLINE_FLOOR = 0.99;

let fleet: TestFleet;
let fixture: FleetFixture;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  fixture = await buildFleetFixture(fleet);
}, 120_000);
afterAll(() => fleet?.close());

it(`the offline model passes at least ${OFFLINE_FLOOR * 100}% of the ${CONCIERGE_CASES.length} concierge cases`, async () => {
  expect(CONCIERGE_CASES.length).toBeGreaterThanOrEqual(60);
  const { runtime } = fleet;
  // The offline model whatever the environment says: CI asserts its floor, not an LLM's.
  const chosen = await chooseChatModel(
    {},
    {
      operations: runtime.catalog.operations,
      resolver: storeResolver(runtime.database.db, runtime.accountId),
      vocabulary: conciergeVocabulary(runtime.catalog.operations, runtime.services.sensors),
    },
  );
  expect(chosen.kind).toBe("offline");
  const results = await runEval({ fleet, fixture, model: chosen.model, cases: CONCIERGE_CASES });
  expect(passRate(results), formatResults(results, "offline")).toBeGreaterThanOrEqual(OFFLINE_FLOOR);
}, 120_000);
