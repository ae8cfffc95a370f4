// `npm run eval`: seed the fixture fleet, run every concierge case against the configured model
// (an OpenAI-compatible endpoint when OPENAI_API_KEY / OPENAI_BASE_URL are set, else the offline
// model), print one line per case and the pass rate.
import { chooseChatModel, conciergeVocabulary, storeResolver } from "@nodepilot/graphs";
import { createTestFleet } from "../server/src/testing/harness.ts";
import { CONCIERGE_CASES } from "./concierge-cases.ts";
import { formatResults, runEval } from "./eval-runner.ts";
import { buildFleetFixture } from "./fleet-fixture.ts";

const fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
try {
  const fixture = await buildFleetFixture(fleet);
  const { runtime } = fleet;
  const chosen = await chooseChatModel(process.env, {
    operations: runtime.catalog.operations,
    resolver: storeResolver(runtime.database.db, runtime.accountId),
    vocabulary: conciergeVocabulary(runtime.catalog.operations, runtime.services.sensors),
  });
  const results = await runEval({ fleet, fixture, model: chosen.model, cases: CONCIERGE_CASES });
  const name =
    chosen.kind === "offline" ? "offline (built in)" : `${chosen.name}${chosen.baseUrl ? ` at ${chosen.baseUrl}` : ""}`;
  process.stdout.write(`${formatResults(results, name)}\n`);
} finally {
  await fleet.close();
}
