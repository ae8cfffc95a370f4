import { defineConfig } from "vitest/config";

// `npm test` runs this config once on PGlite and, with DATABASE_URL, again on PostgreSQL
// (scripts/test.mjs); *.int.test.ts need the machine's PostgreSQL/Redis and run only then.
const integration =
  process.env.NODEPILOT_TEST_DATABASE_URL !== undefined && process.env.NODEPILOT_TEST_DATABASE_URL !== "";

export default defineConfig({
  test: {
    include: ["{store,core,server,bench,agent}/src/**/*.test.ts"],
    exclude: ["**/node_modules/**", ...(integration ? [] : ["**/*.int.test.ts"])],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
