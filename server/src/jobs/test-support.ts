// Shared by the job tests: a logger that stays quiet unless NODEPILOT_TEST_LOGS is set, the Redis
// the BullMQ runs use, and the clean-up of the key prefixes they created there.
import type { Logger } from "@nodepilot/core";
import { Redis } from "ioredis";

const print = (level: string) => (msg: string, data?: Record<string, unknown>) => {
  if (process.env.NODEPILOT_TEST_LOGS) process.stderr.write(`${level} ${msg} ${JSON.stringify(data ?? {})}\n`);
};

export const quietLogger: Logger = {
  debug: print("debug"),
  info: print("info"),
  warn: print("warn"),
  error: print("error"),
};

export const testRedisUrl = () => process.env.NODEPILOT_TEST_REDIS_URL || undefined;

/** Deletes every key under the given BullMQ prefixes, so test runs leave the machine's Redis as found. */
export async function dropRedisPrefixes(redisUrl: string, prefixes: Iterable<string>): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    for (const prefix of prefixes) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== "0");
    }
  } finally {
    await redis.quit();
  }
}
