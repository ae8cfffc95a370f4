// The Postgres-backed job queue against the conformance suite, on PGlite (or the machine's
// PostgreSQL with NODEPILOT_TEST_DATABASE_URL). A quick poll keeps the suite fast.
import { jobQueueConformance } from "./job-queue.conformance.ts";
import { createPgJobQueue } from "./pg-job-queue.ts";
import { quietLogger } from "./test-support.ts";

jobQueueConformance("postgres", {
  async open(db, catalog, namespace, accountId) {
    return createPgJobQueue({
      db,
      catalog,
      logger: quietLogger,
      queue: namespace,
      accountId,
      pollMs: 25,
      lockMs: 2000,
    });
  },
});
