// Process configuration, parsed from the environment once in main.ts (never read at import).
import { z } from "zod";

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The agent listener (mTLS, spec/agent.md §3); 0 picks a free port. */
  NODEPILOT_AGENT_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z.string().url().optional(),
  /** Jobs on BullMQ (redis://…); without it they run on the Postgres-backed queue. */
  REDIS_URL: z
    .string()
    .url()
    .refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// or rediss:// URL")
    .optional(),
  /** The job queue's namespace (BullMQ key prefix, or queued_jobs.queue): one per deployment. */
  NODEPILOT_JOB_QUEUE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, "lower-case letters, digits and _ . : - (at most 64)")
    .default("nodepilot"),
  /**
   * Which accounts this process's scheduled jobs serve: `platform` (every account, the default) or
   * `account` (only NODEPILOT_ACCOUNT, for a process that shares its database with others').
   */
  NODEPILOT_JOB_SCOPE: z.enum(["platform", "account"]).default("platform"),
  /** Fleet event retention (spec/domain.md §1.8): low and medium events, floor 7 days. */
  NODEPILOT_EVENT_RETENTION_LOW_DAYS: z.coerce.number().int().min(7).max(36_500).default(90),
  /** High and critical events, floor 30 days. */
  NODEPILOT_EVENT_RETENTION_HIGH_DAYS: z.coerce.number().int().min(30).max(36_500).default(365),
  NODEPILOT_DATA_DIR: z.string().min(1).default("./.nodepilot"),
  /** Host header values /mcp accepts (DNS-rebinding protection), comma-separated; default: HOST and loopback names. */
  NODEPILOT_MCP_ALLOWED_HOSTS: z.string().optional(),
  /** Browser origins /mcp accepts, comma-separated; default: this server's own loopback origins. */
  NODEPILOT_MCP_ALLOWED_ORIGINS: z.string().optional(),
  /** Where people reach this server (approval links in MCP results); default http://HOST:PORT. */
  NODEPILOT_PUBLIC_URL: z.string().url().optional(),
  NODEPILOT_MASTER_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded"),
  NODEPILOT_ACCOUNT: z.string().min(1).default("default"),
  /** The commit this build was made from; compliance snapshots record it as generator_version. */
  NODEPILOT_BUILD_SHA: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, "a lower-case hex commit id (7–64 characters)")
    .optional(),
  NODEPILOT_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Serve the web UI (web/, built on first use) on the main listener; `off` serves the API only. */
  NODEPILOT_WEB: z.enum(["on", "off"]).default("on"),
  /** Learnings' embeddings (spec/autonomy.md §5.3) from an OpenAI-compatible endpoint; unset → the local embedder. */
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** The concierge's chat model on that endpoint (required with OPENAI_BASE_URL; docs/concierge.md). */
  NODEPILOT_MODEL: z.string().min(1).max(200).optional(),
  NODEPILOT_EMBEDDING_MODEL: z.string().min(1).default("text-embedding-3-small"),
  /** The remote model's dimension (sent as `dimensions`); at most 2000, pgvector's HNSW limit. */
  NODEPILOT_EMBEDDING_DIMENSIONS: z.coerce.number().int().min(8).max(2000).default(1536),
});

export type Config = z.infer<typeof Env>;

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return parsed.data;
}
