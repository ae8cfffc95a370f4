// What job handlers are given: the subset of the runtime's services that a worker-only process
// (`nodepilot worker`) can build too.
import type { Logger, Services } from "@nodepilot/core";
import type { Database } from "@nodepilot/store";

export interface JobServices {
  database: Database;
  logger: Logger;
  clock: () => Date;
  /** Wakes this process's task runners; absent in a worker-only process, which has none. */
  onTasksChanged?: Services["onTasksChanged"];
}
