// What an operation's execute() receives: the transaction, the caller, and the process's services.
import type { Database, DbOrTx } from "@nodepilot/store";
import type { z } from "zod";
import type { Principal } from "../auth/principal.ts";
import type { EventSource } from "../events/emit.ts";
import type { Embedder } from "../learnings/embedder.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import type { ProviderRegistry } from "../providers/registry.ts";

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** What core knows of a fleet sensor (spec/autonomy.md §1); its settings parse `{}` to the defaults. */
export interface SensorDescriptor {
  name: string;
  order: number;
  kinds: readonly string[];
  settings: z.ZodObject;
}

/** The sensors a process runs; core may not import @nodepilot/sensors, so the root hands them in. */
export interface SensorCatalog {
  /** Every registered sensor, in run order. */
  list(): readonly SensorDescriptor[];
  get(name: string): SensorDescriptor | undefined;
}

/** Long-lived dependencies built once by a process's main.ts (DESIGN.md §3.8). */
export interface Services {
  database: Database;
  providers: ProviderRegistry;
  secrets: SecretBox;
  logger: Logger;
  clock: () => Date;
  /** Called after a commit that made tasks leasable, so runners wake at once instead of polling. */
  onTasksChanged: (executor: "agent" | "control_plane") => void;
  /**
   * Called after a commit that decided an approval request (approved, rejected), so the gate acts on
   * it at once (spec/autonomy.md §3.6); without it the next tick's step 2 does.
   */
  onApprovalDecided?: (accountId: string, approvalRequestId: string) => void;
  /** Queue an autonomy tick for the account now (fleet_tick.run); absent in a process without a job system. */
  requestTick?: (accountId: string, tx: DbOrTx) => Promise<{ jobId: string }>;
  /** The fleet sensors (sensor_config.* operations); absent in a process built without them. */
  sensors?: SensorCatalog;
  /**
   * How similar() searches learnings (attribution.analyze): a LearningsIndex, spelled out because
   * learnings/vector-index.ts imports from this file. Absent, only exact matches are found.
   */
  learnings?: { mode: "hnsw" | "exact"; embedder: Embedder };
  /** The action categories of the catalog this process serves: policy rows for AI clients' calls may name them. */
  operationCategories?: ReadonlySet<string>;
  /**
   * The input schema of a catalog operation by name, so an approver's edit of an AI call is checked
   * when it is made, not first when the approved call runs; absent in a process without the catalog.
   */
  operationInput?: (operation: string) => z.ZodType | undefined;
  /** The commit this build was made from (NODEPILOT_BUILD_SHA), stamped on compliance snapshots. */
  buildSha?: string;
}

export interface OpContext {
  /** The request's transaction (writes) or the pool (reads). */
  db: DbOrTx;
  principal: Principal;
  services: Services;
  requestId: string;
  correlationId: string | null;
  source: EventSource;
  now: Date;
  /** Work to run after the transaction commits (wake-ups, notifications). Never I/O that must be atomic. */
  afterCommit(fn: () => void): void;
}
