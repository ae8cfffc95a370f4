// What job handlers are given: the subset of the runtime's services that a worker-only process
// (`nodepilot worker`) can build too.
import type { Logger, ProviderRegistry, SecretBox, Services } from "@nodepilot/core";
import type { Database } from "@nodepilot/store";

export interface JobServices {
  database: Database;
  logger: Logger;
  clock: () => Date;
  /** Wakes this process's task runners; absent in a worker-only process, which has none. */
  onTasksChanged?: Services["onTasksChanged"];
  /** Provider adapters and the master key: the tick reads provider status with them (sensor #2). */
  providers?: ProviderRegistry;
  secrets?: SecretBox;
  /** Stamped on compliance snapshots as generator_version (NODEPILOT_BUILD_SHA). */
  buildSha?: string;
}
