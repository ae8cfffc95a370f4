// The BullMQ job queue against the conformance suite, on the machine's Redis when
// NODEPILOT_TEST_REDIS_URL is set (the PostgreSQL pass of `npm test` sets it); a prefix per queue
// keeps runs apart. Skipped otherwise.
import { afterAll, describe, it } from "vitest";
import { openBullmqJobQueue } from "./bullmq-job-queue.ts";
import { jobQueueConformance } from "./job-queue.conformance.ts";
import { dropRedisPrefixes, quietLogger, testRedisUrl } from "./test-support.ts";

const redisUrl = testRedisUrl();
if (redisUrl) {
  const prefixes = new Set<string>();
  afterAll(() => dropRedisPrefixes(redisUrl, prefixes));
  jobQueueConformance("bullmq", {
    open(db, catalog, namespace, accountId) {
      prefixes.add(namespace);
      return openBullmqJobQueue({
        redisUrl,
        db,
        catalog,
        logger: quietLogger,
        queue: namespace,
        accountId,
        lockMs: 2000,
      });
    },
  });
} else {
  describe("JobQueue conformance: bullmq", () => {
    it.skip("needs NODEPILOT_TEST_REDIS_URL", () => {});
  });
}
