// The embedded database in its thread: a new cluster leaves a template behind, the next new one
// starts from it with the schema already migrated, an existing data directory is reopened as it
// is, and templates of other keys are removed when a new one is written.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { templateKey } from "./cluster-template.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "./embedded.ts";

const root = mkdtempSync(join(tmpdir(), "nodepilot-embedded-"));
const templateDir = join(root, "cache");
const open: EmbeddedServer[] = [];

afterAll(async () => {
  for (const s of open) await s.close();
  rmSync(root, { recursive: true, force: true });
});

async function start(dataDir: string | undefined): Promise<EmbeddedServer> {
  const server = await startEmbeddedPostgres({ dataDir, maxConnections: 4, templateDir });
  open.push(server);
  return server;
}

async function query<T>(server: EmbeddedServer, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe("embedded cluster templates", () => {
  it("a first cluster runs initdb and the migrations and leaves exactly one template", async () => {
    writeFileSync(join(root, "stale"), "");
    const first = await start(undefined);
    expect(first.from).toBe("initdb");
    expect(readdirSync(templateDir)).toEqual([`pglite-template-${templateKey()}.tar.gz`]);
    const [row] = await query<{ n: number }>(first, "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
    expect(row!.n).toBeGreaterThan(10);
  }, 60_000);

  it("the next new cluster loads the template: the schema is there, no rows, pgvector works", async () => {
    const dir = join(root, "data-a");
    const second = await start(dir);
    expect(second.from).toBe("template");
    const [accounts] = await query<{ n: number }>(second, "SELECT count(*)::int AS n FROM accounts");
    expect(accounts!.n).toBe(0);
    const [v] = await query<{ d: number }>(second, "SELECT '[1,0]'::vector <-> '[0,0]'::vector AS d");
    expect(Number(v!.d)).toBe(1);
    await query(second, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)");
    await second.close();
    const again = await start(dir);
    expect(again.from).toBe("existing");
    const [kept] = await query<{ x: number }>(again, "SELECT x FROM kept");
    expect(kept!.x).toBe(7);
  }, 60_000);

  it("writing a template removes those of other keys", async () => {
    const other = join(templateDir, "pglite-template-0000.tar.gz");
    writeFileSync(other, "old");
    rmSync(join(templateDir, `pglite-template-${templateKey()}.tar.gz`));
    const fresh = await start(undefined);
    expect(fresh.from).toBe("initdb");
    expect(existsSync(other)).toBe(false);
    expect(readdirSync(templateDir)).toHaveLength(1);
  }, 60_000);
});
