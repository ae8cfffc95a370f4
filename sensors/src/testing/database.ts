// Test database for sensor tests: store's real database (in-memory PGlite, or the machine's
// PostgreSQL when NODEPILOT_TEST_DATABASE_URL is set) with its migrations, a fresh account per suite,
// and a runner that executes a sensor the way the tick does — inside a READ ONLY transaction — while
// counting the statements it sends (§1.1 rule 3: exactly one per sensor per tick).
import { randomUUID } from "node:crypto";
import {
  accounts,
  type Database,
  node_instances,
  node_platforms,
  node_templates,
  nodes,
  openDatabase,
  type Tx,
} from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type { z } from "zod";
import type { ProviderStatusReader } from "../provider-status.ts";
import type { SenseResult, Sensor } from "../sensor.ts";

export async function openTestDatabase(): Promise<Database> {
  return openDatabase({ databaseUrl: process.env.NODEPILOT_TEST_DATABASE_URL || undefined, poolSize: 3 });
}

/** A fresh account (so suites sharing one PostgreSQL never see each other's rows); deleting it cascades. */
export async function createTestAccount(database: Database): Promise<string> {
  const name = `sensors-${randomUUID()}`;
  const [a] = await database.db.insert(accounts).values({ name, slug: name }).returning({ id: accounts.id });
  return a!.id;
}

export async function deleteTestAccount(database: Database, accountId: string): Promise<void> {
  await database.db.delete(accounts).where(eq(accounts.id, accountId));
}

/** One node with `count` instances (one multi-row insert), for sensors whose subjects hang off instances. */
export async function seedInstances(
  database: Database,
  accountId: string,
  count: number,
  values: Partial<typeof node_instances.$inferInsert> = {},
): Promise<{ nodeId: string; instanceIds: string[] }> {
  const db = database.db;
  const [p] = await db
    .insert(node_platforms)
    .values({ account_id: accountId, name: `p-${randomUUID().slice(0, 8)}`, architectures: ["amd64"] })
    .returning();
  const [t] = await db
    .insert(node_templates)
    .values({ account_id: accountId, name: `t-${randomUUID().slice(0, 8)}`, node_platform_id: p!.id })
    .returning();
  const [n] = await db
    .insert(nodes)
    .values({
      account_id: accountId,
      name: `n-${randomUUID().slice(0, 8)}`,
      node_template_id: t!.id,
      ssh_key_encrypted: "x",
      ssh_key_fingerprint: "x",
      ssh_public_key: "x",
      ssh_host_key_encrypted: "x",
      ssh_host_key_fingerprint: "x",
    })
    .returning();
  const rows = Array.from({ length: count }, (_, i) => ({
    account_id: accountId,
    node_id: n!.id,
    name: `i-${i}`,
    variety: "local" as const,
    ...values,
  }));
  const ids: string[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const inserted = await db
      .insert(node_instances)
      .values(rows.slice(i, i + 1000))
      .returning({ id: node_instances.id });
    ids.push(...inserted.map((r) => r.id));
  }
  return { nodeId: n!.id, instanceIds: ids };
}

export interface CountedSense extends SenseResult {
  /** The statements the sensor sent, between BEGIN READ ONLY and COMMIT. */
  statements: string[];
}

/** Runs one sensor for one account in a READ ONLY transaction on a dedicated connection, counting its statements. */
export async function senseCounted<S extends z.ZodType>(
  database: Database,
  sensor: Sensor<S>,
  opts: {
    accountId: string;
    now: Date;
    settings?: Partial<z.input<S>>;
    cursor?: string;
    providerStatus?: ProviderStatusReader;
  },
): Promise<CountedSense> {
  const client = await database.pool.connect();
  const statements: string[] = [];
  let counting = false;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const first = args[0];
    if (counting) statements.push(typeof first === "string" ? first : String((first as { text?: string }).text));
    return query(...args);
  };
  try {
    const db = drizzle(client);
    const settings = sensor.settings.parse(opts.settings ?? {}) as z.output<S>;
    const result = await db.transaction(
      async (tx) => {
        counting = true;
        try {
          return await sensor.sense(
            {
              accountId: opts.accountId,
              now: opts.now,
              db: tx as unknown as Tx,
              cursor: opts.cursor,
              providerStatus: opts.providerStatus,
            },
            settings,
          );
        } finally {
          counting = false;
        }
      },
      { accessMode: "read only" },
    );
    return { ...result, statements };
  } finally {
    // The counting wrapper is an own property; removing it restores the prototype's query.
    delete (client as { query?: unknown }).query;
    client.release();
  }
}
