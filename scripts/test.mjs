#!/usr/bin/env node
// `npm test`: the suite on the embedded PGlite, then — when DATABASE_URL points at a PostgreSQL
// server — the same suite plus the *.int.test.ts on that server, with the job tests also on BullMQ
// (NODEPILOT_TEST_REDIS_URL, default the machine's Redis). Extra args go to vitest.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const tally = { passed: 0, failed: 0, skipped: 0 };
const run = (label, env) => {
  process.stdout.write(`\n== ${label} ==\n`);
  const dir = mkdtempSync(join(tmpdir(), "nodepilot-vitest-"));
  const report = join(dir, "report.json");
  const r = spawnSync(
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args],
    { stdio: "inherit", env: { ...process.env, ...env } },
  );
  try {
    const j = JSON.parse(readFileSync(report, "utf8"));
    tally.passed += j.numPassedTests;
    tally.failed += j.numFailedTests;
    tally.skipped += j.numPendingTests + j.numTodoTests;
  } catch {
    tally.failed += 1; // no report: the run itself broke
  }
  rmSync(dir, { recursive: true, force: true });
  return r.status ?? 1;
};

let status = run("suite on embedded PGlite", { NODEPILOT_TEST_DATABASE_URL: "" });
// Wall-clock tests (start-up within 10 s) run alone, so the parallel suite's load does not skew them.
status = run("serial wall-clock tests", { NODEPILOT_TEST_DATABASE_URL: "", NODEPILOT_TEST_SERIAL: "1" }) || status;
const url = process.env.DATABASE_URL;
if (url) {
  status =
    run(`suite on PostgreSQL (${url.replace(/\/\/[^@]*@/, "//")})`, {
      NODEPILOT_TEST_DATABASE_URL: url,
      // The same pass runs the job tests on BullMQ too (the machine's Redis, started by .ci/run).
      NODEPILOT_TEST_REDIS_URL: process.env.NODEPILOT_TEST_REDIS_URL || "redis://127.0.0.1:6379",
    }) || status;
} else {
  process.stdout.write("\nDATABASE_URL is not set: the PostgreSQL run and the *.int.test.ts were skipped.\n");
}
process.stdout.write(`\n${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped\n`);
process.exit(status);
