import { defineConfig } from "vitest/config";

// `npm test` runs this config once on PGlite and, with DATABASE_URL, again on PostgreSQL
// (scripts/test.mjs); *.int.test.ts need the machine's PostgreSQL/Redis and run only then.
// *.serial.test.ts measure wall-clock behaviour (e.g. start-up within 10 s) and run alone, after the
// parallel suite, with NODEPILOT_TEST_SERIAL=1.
const integration =
  process.env.NODEPILOT_TEST_DATABASE_URL !== undefined && process.env.NODEPILOT_TEST_DATABASE_URL !== "";
const serial = process.env.NODEPILOT_TEST_SERIAL === "1";

export default defineConfig({
  test: {
    include: serial
      ? ["{store,core,sensors,graphs,mcp-server,server,agent,bench}/src/**/*.serial.test.ts"]
      : [
          "{store,core,sensors,graphs,mcp-server,server,agent,bench}/src/**/*.test.ts",
          "evals/**/*.test.ts",
          "web/src/**/*.test.ts",
          "web/e2e/**/*.test.ts",
        ],
    exclude: [
      "**/node_modules/**",
      ...(integration ? [] : ["**/*.int.test.ts"]),
      ...(serial ? [] : ["**/*.serial.test.ts"]),
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: serial ? 1 : 2,
  },
});
