#!/usr/bin/env node
// `npm test`: the suite on the embedded PGlite, then — when DATABASE_URL points at a PostgreSQL
// server — the same suite plus the *.int.test.ts on that server. Extra args go to vitest.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const run = (label, env) => {
  process.stdout.write(`\n== ${label} ==\n`);
  const r = spawnSync("npx", ["vitest", "run", ...args], { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
};

let status = run("suite on embedded PGlite", { NODEPILOT_TEST_DATABASE_URL: "" });
const url = process.env.DATABASE_URL;
if (url) {
  status =
    run(`suite on PostgreSQL (${url.replace(/\/\/[^@]*@/, "//")})`, { NODEPILOT_TEST_DATABASE_URL: url }) || status;
} else {
  process.stdout.write("\nDATABASE_URL is not set: the PostgreSQL run and the *.int.test.ts were skipped.\n");
}
process.exit(status);
