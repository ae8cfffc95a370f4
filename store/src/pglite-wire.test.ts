// The embedded wire front under concurrency: extended-protocol exchanges never interleave, a
// transaction owns the backend until it ends (the failure mode of a per-message multiplexer), and
// named prepared statements are per connection, as on PostgreSQL.
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutputSplitter, serveWire, type WireServer } from "./pglite-wire.ts";

let db: PGlite;
let server: WireServer;
let pool: pg.Pool;

beforeAll(async () => {
  db = await PGlite.create();
  server = await serveWire(db, { maxConnections: 12 });
  pool = new pg.Pool({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres", max: 8 });
  await pool.query("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)");
  await pool.query("INSERT INTO counter VALUES (1, 0)");
  await pool.query("CREATE TABLE items (id int PRIMARY KEY)");
});
afterAll(async () => {
  await pool?.end();
  await server?.close();
  await db?.close();
});

describe("embedded wire server", () => {
  it("keeps concurrent parameterised queries and transactions apart", async () => {
    const failures: string[] = [];
    const query = async (i: number) => {
      const r = await pool.query("SELECT $1::int AS a, $2::text AS b", [i, `x${i}`]);
      if (r.rows[0].a !== i || r.rows[0].b !== `x${i}`) failures.push(`row mismatch at ${i}`);
    };
    const increment = async (i: number) => {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        await c.query("INSERT INTO items VALUES ($1)", [i]);
        const r = await c.query("SELECT n FROM counter WHERE id = 1 FOR UPDATE");
        await c.query("UPDATE counter SET n = $1 WHERE id = 1", [r.rows[0].n + 1]);
        await c.query("COMMIT");
      } finally {
        c.release();
      }
    };
    await Promise.all(
      Array.from({ length: 900 }, (_, i) =>
        i % 3 === 0 ? increment(i) : query(i).catch((e) => failures.push(String(e))),
      ),
    );
    expect(failures).toEqual([]);
    const { rows } = await pool.query("SELECT n FROM counter");
    expect(rows[0].n).toBe(300);
  });

  it("rolls back a failed transaction without disturbing other connections", async () => {
    const c = await pool.connect();
    await c.query("BEGIN");
    await c.query("INSERT INTO items VALUES (-1)");
    await expect(c.query("INSERT INTO items VALUES (-1)")).rejects.toThrow(/duplicate key/);
    await c.query("ROLLBACK");
    c.release();
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM items WHERE id = -1");
    expect(rows[0].n).toBe(0);
  });

  it("rolls back the transaction of a connection that disappears mid-way", async () => {
    const client = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres" });
    await client.connect();
    await client.query("BEGIN");
    await client.query("INSERT INTO items VALUES (-2)");
    await client.end();
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM items WHERE id = -2");
    expect(rows[0].n).toBe(0);
  });

  it("gives each connection its own named prepared statements, and drops them when it goes", async () => {
    const connect = async () => {
      const c = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres" });
      await c.connect();
      return c;
    };
    const a = await connect();
    const b = await connect();
    // The same name with different text on two connections, as two pool clients would prepare it.
    const ask = (c: pg.Client, text: string, v: number) => c.query({ name: "shared_name", text, values: [v] });
    for (let i = 0; i < 3; i++) {
      expect((await ask(a, "SELECT $1::int + 1 AS n", i)).rows[0].n).toBe(i + 1);
      expect((await ask(b, "SELECT $1::int * 10 AS n", i)).rows[0].n).toBe(i * 10);
    }
    const names = async () =>
      (
        await pool.query("SELECT name FROM pg_prepared_statements WHERE name LIKE '%shared_name' ORDER BY name")
      ).rows.map((r) => r.name as string);
    expect(await names()).toHaveLength(2);
    await a.end();
    await expect.poll(names).toHaveLength(1);
    expect((await ask(b, "SELECT $1::int * 10 AS n", 7)).rows[0].n).toBe(70);
    await b.end();
    await expect.poll(names).toHaveLength(0);
  });

  it("refuses connections beyond its limit with SQLSTATE 53300", async () => {
    const clients: pg.Client[] = [];
    let refused: (Error & { code?: string }) | undefined;
    for (let i = 0; i < 13 && !refused; i++) {
      const c = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres" });
      try {
        await c.connect();
        clients.push(c);
      } catch (err) {
        refused = err as Error & { code?: string };
      }
    }
    await Promise.all(clients.map((c) => c.end()));
    expect(refused?.code).toBe("53300");
  });
});

describe("LISTEN/NOTIFY through the wire front", () => {
  const client = async () => {
    const c = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres" });
    await c.connect();
    return c;
  };
  const collect = (c: pg.Client) => {
    const got: string[] = [];
    c.on("notification", (n) => got.push(`${n.channel}:${n.payload}`));
    return got;
  };
  const settle = async (c: pg.Client) => {
    await c.query("SELECT 1"); // a round trip on the listener: anything routed to it has arrived
  };

  it("delivers a committed NOTIFY to the listening connections only, never to the writer", async () => {
    const [a, b, writer] = [await client(), await client(), await client()];
    const [gotA, gotB, gotWriter] = [collect(a), collect(b), collect(writer)];
    await a.query("LISTEN fleet_events");
    await b.query('LISTEN "Other"');
    await writer.query("SELECT pg_notify('fleet_events', 'autocommit')");
    await writer.query("BEGIN");
    await writer.query("SELECT pg_notify($1, $2)", ["fleet_events", "in-tx"]);
    await writer.query("SELECT pg_notify('Other', 'x'), pg_notify('fleet_events', repeat('p', 7000))");
    // (No round trip on `a` here: the open transaction owns the backend until it ends.)
    await writer.query("COMMIT");
    await writer.query("BEGIN");
    await writer.query("SELECT pg_notify('fleet_events', 'rolled back')");
    await writer.query("ROLLBACK");
    await Promise.all([settle(a), settle(b), settle(writer)]);
    expect(gotA).toEqual(["fleet_events:autocommit", "fleet_events:in-tx", `fleet_events:${"p".repeat(7000)}`]);
    expect(gotB).toEqual(["Other:x"]);
    expect(gotWriter).toEqual([]);
    await Promise.all([a.end(), b.end(), writer.end()]);
  });

  it("keeps delivering to one listener after another UNLISTENs or disconnects", async () => {
    const [a, b, writer] = [await client(), await client(), await client()];
    const [gotA, gotB] = [collect(a), collect(b)];
    await a.query("LISTEN shared");
    await b.query("LISTEN shared");
    await writer.query("NOTIFY shared, 'one'");
    await a.query("UNLISTEN *");
    await writer.query("NOTIFY shared, 'two'");
    await b.end();
    await writer.query("NOTIFY shared, 'three'");
    await settle(a);
    const c = await client();
    const gotC = collect(c);
    await c.query("LISTEN shared");
    await writer.query("NOTIFY shared, 'four'");
    await Promise.all([settle(a), settle(c)]);
    expect(gotA).toEqual(["shared:one"]);
    expect(gotB).toEqual(["shared:one", "shared:two"]);
    expect(gotC).toEqual(["shared:four"]);
    // The listener's own query results are untouched by notifications routed around it.
    const { rows } = await c.query("SELECT $1::text AS v", ["still parsed"]);
    expect(rows[0].v).toBe("still parsed");
    await Promise.all([a.end(), c.end(), writer.end()]);
  });
});

describe("OutputSplitter", () => {
  const message = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5);
    head.write(type, 0);
    head.writeInt32BE(4 + body.length, 1);
    return Buffer.concat([head, body]);
  };
  const notification = (channel: string, payload: string) =>
    message("A", Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from(`${channel}\0${payload}\0`)]));
  const stream = Buffer.concat([
    message("T", Buffer.from("row description")),
    notification("fleet_events", "a:1"),
    message("D", Buffer.alloc(3000, 1)),
    notification("fleet_events", "b".repeat(500)),
    notification("other", "c"),
    message("C", Buffer.from("SELECT 1\0")),
    message("Z", Buffer.from("I")),
  ]);
  const expectedPassed = Buffer.concat([
    message("T", Buffer.from("row description")),
    message("D", Buffer.alloc(3000, 1)),
    message("C", Buffer.from("SELECT 1\0")),
    message("Z", Buffer.from("I")),
  ]);

  it.each([1, 2, 3, 5, 7, 64, 4096, stream.length])(
    "passes other messages whole and lifts notifications out, in chunks of %i",
    (size) => {
      const passed: Buffer[] = [];
      const lifted: Buffer[] = [];
      const splitter = new OutputSplitter(
        (d) => passed.push(Buffer.from(d)),
        (m) => lifted.push(m),
      );
      for (let i = 0; i < stream.length; i += size) splitter.push(stream.subarray(i, i + size));
      expect(Buffer.concat(passed).equals(expectedPassed)).toBe(true);
      expect(lifted.map((m) => m.toString("hex"))).toEqual(
        [
          notification("fleet_events", "a:1"),
          notification("fleet_events", "b".repeat(500)),
          notification("other", "c"),
        ].map((m) => m.toString("hex")),
      );
    },
  );
});
