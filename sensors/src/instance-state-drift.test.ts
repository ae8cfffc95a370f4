// instance_state_drift: the pure rules (which provider states fire, failed reads, the degraded
// threshold, coverage), then the sensor against the real local provider: one statement over 1,000
// running instances, real sandbox processes (one running, one stopped), the wrapping cursor, reads
// batched per credential, and an unreadable connection making the run degraded.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ProviderRegistry, SecretBox } from "@nodepilot/core";
import { LocalProvider, type ProviderCallContext } from "@nodepilot/core/providers";
import { fleet_signal_states, provider_connections, providers } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceStateDrift, type StateDriftRow } from "./instance-state-drift.ts";
import { createProviderStatusReader, type ProviderStatusRead } from "./provider-status.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";

const now = new Date();
const page = (id: string): Extract<StateDriftRow, { lap: 0 | 1 }> => ({
  lap: 0 as const,
  id,
  node_id: "01900000-0000-7000-8000-0000000000aa",
  status: "running",
  cloud_instance_id: `cloud-${id}`,
  connection_id: "c1",
  provider_type: "local",
  credentials_encrypted: null,
});
const ok = (status: string): ProviderStatusRead => ({ ok: true, status: status as never });
const failed: ProviderStatusRead = { ok: false, error: "boom" };

describe("instance_state_drift rules", () => {
  it.each([
    ["stopped", "high"],
    ["terminated", "high"],
    ["failed", "high"],
    ["running", null],
    ["pending", null],
    ["starting", null],
    ["stopping", null],
    ["rebooting", null],
    ["terminating", null],
    ["unknown", null],
  ])("provider says %s → %s", (status, severity) => {
    const out = instanceStateDrift.build([page("a")], new Map([["a", ok(status)]]));
    expect(out.signals[0]?.severity ?? null).toBe(severity);
    expect(out.degraded).toBe(false);
  });

  it("carries the spec payload, with the provider status in the fingerprint", () => {
    const out = instanceStateDrift.build([page("a")], new Map([["a", ok("stopped")]]));
    expect(out.signals[0]).toEqual({
      kind: "fleet.instance_state_drift",
      severity: "high",
      sensor: "instance_state_drift",
      fingerprint: "instance_state_drift:a:stopped",
      payload: {
        instance_id: "a",
        node_id: page("a").node_id,
        expected_status: "running",
        actual_status: "stopped",
        cloud_instance_id: "cloud-a",
        provider_type: "local",
      },
      refs: { node_id: page("a").node_id, node_instance_id: "a" },
    });
  });

  it.each([
    [1, 2, false],
    [2, 4, false],
    [3, 5, true],
    [1, 1, true],
  ])("%s failed reads of %s → degraded %s", (bad, total, degraded) => {
    const rows = Array.from({ length: total }, (_, i) => page(`i${i}`));
    const reads = new Map(rows.map((r, i) => [r.id, i < bad ? failed : ok("stopped")] as const));
    const out = instanceStateDrift.build(rows, reads);
    expect(out.degraded).toBe(degraded);
    expect(out.failed).toBe(bad);
    // A failed read never fires and never vouches for the instance's conditions.
    expect(out.signals).toHaveLength(total - bad);
    expect(out.covered.has("i0")).toBe(false);
  });

  it("vouches for instances that are no longer candidates", () => {
    const out = instanceStateDrift.build([{ lap: 2, id: "gone" }], new Map());
    expect(out.covered.has("gone")).toBe(true);
    expect(out.signals).toEqual([]);
    expect(out.degraded).toBe(false);
  });
});

describe("instance_state_drift on the database and the local provider", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  let otherAccount: string;
  let rootDir: string;
  let local: LocalProvider;
  let reader: ReturnType<typeof createProviderStatusReader>;
  const secrets = new SecretBox(randomBytes(32));
  let fixtureIds: string[];
  let runningId: string;
  let stoppedId: string;

  const call = (): ProviderCallContext => ({
    idempotencyToken: `t-${randomBytes(4).toString("hex")}`,
    deadline: new Date(Date.now() + 30_000),
    signal: new AbortController().signal,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    credentials: {},
  });

  async function connection(account: string, type: "local" | "aws", sealed: string | null) {
    const [p] = await database.db
      .insert(providers)
      .values({
        account_id: account,
        provider_type: type,
        name: `${type}-${randomBytes(3).toString("hex")}`,
        capabilities: ["instances", "sync"],
      })
      .returning();
    const [c] = await database.db
      .insert(provider_connections)
      .values({
        account_id: account,
        provider_id: p!.id,
        name: `c-${randomBytes(3).toString("hex")}`,
        credentials_encrypted: sealed,
      })
      .returning();
    return c!.id;
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    otherAccount = await createTestAccount(database);
    rootDir = await mkdtemp(path.join(tmpdir(), "sensor-drift-"));
    local = new LocalProvider({ rootDir, workload: undefined, stopGraceMs: 2000 });
    reader = createProviderStatusReader({
      providers: new ProviderRegistry().register(local),
      secrets,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const sealed = secrets.seal(JSON.stringify({ token: "local-secret" }), "provider_connection.credentials");
    const conn = await connection(accountId, "local", sealed);
    // 1,000 instances we believe running whose sandboxes do not exist: the local provider says terminated.
    const seeded = await seedInstances(database, accountId, 1000, { status: "running", provider_connection_id: conn });
    fixtureIds = seeded.instanceIds;
    await assignCloudIds(fixtureIds, "0");
    // Two real processes: one keeps running, one is stopped behind our back.
    const running = await local.createInstance(
      { name: "drift-running", regionCode: "local", instanceTypeCode: "local.small", tags: {} },
      call(),
    );
    const stopped = await local.createInstance(
      { name: "drift-stopped", regionCode: "local", instanceTypeCode: "local.small", tags: {} },
      call(),
    );
    await waitStatus(running.cloudInstanceId, "running");
    await waitStatus(stopped.cloudInstanceId, "running");
    await local.stopInstance(stopped.cloudInstanceId, {}, call());
    await waitStatus(stopped.cloudInstanceId, "stopped");
    runningId = (
      await seedInstances(database, accountId, 1, {
        status: "running",
        provider_connection_id: conn,
        cloud_instance_id: running.cloudInstanceId,
      })
    ).instanceIds[0]!;
    stoppedId = (
      await seedInstances(database, accountId, 1, {
        status: "running",
        provider_connection_id: conn,
        cloud_instance_id: stopped.cloudInstanceId,
      })
    ).instanceIds[0]!;
  });
  afterAll(async () => {
    if (local) {
      for (const { cloudInstanceId } of (await local.listInstances({}, { maxPages: 1 }, call())).instances) {
        await local.terminateInstance(cloudInstanceId, {}, call()).catch(() => {});
      }
    }
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
    if (database) {
      await deleteTestAccount(database, accountId);
      await deleteTestAccount(database, otherAccount);
      await database.close();
    }
  });

  /** Distinct, well-formed local ids (`local-<16 hex>`) whose sandboxes do not exist. */
  async function assignCloudIds(ids: string[], pad: string) {
    await database.db.execute(sql`
      UPDATE node_instances i SET cloud_instance_id = 'local-' || lpad(to_hex(n.rn::int), 16, ${pad})
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM unnest(${`{${ids.join(",")}}`}::uuid[]) AS id) n
      WHERE i.id = n.id`);
  }

  async function waitStatus(id: string, status: string) {
    const until = Date.now() + 15_000;
    while ((await local.syncStatus(id, call())) !== status) {
      if (Date.now() > until) throw new Error(`${id} never reached ${status}`);
      await sleep(50);
    }
  }

  it("reads every running instance's provider state in one statement and fires on the drifted ones", async () => {
    const result = await senseCounted(database, instanceStateDrift, {
      accountId,
      now,
      settings: { max_per_tick: 5000 },
      providerStatus: reader,
    });
    expect(result.statements).toHaveLength(1);
    expect(result.degraded).toBe(false);
    const fingerprints = new Set((result.signals as { fingerprint: string }[]).map((s) => s.fingerprint));
    expect(fingerprints.size).toBe(1001);
    expect(fingerprints.has(`instance_state_drift:${stoppedId}:stopped`)).toBe(true);
    expect(fingerprints.has(`instance_state_drift:${fixtureIds[0]}:terminated`)).toBe(true);
    expect([...fingerprints].some((f) => f.includes(runningId))).toBe(false);
    expect(result.covers?.(`instance_state_drift:${runningId}:stopped`)).toBe(true);
  });

  it("pages max_per_tick instances a tick by a cursor that wraps around", async () => {
    const all = [...fixtureIds, runningId, stoppedId].sort();
    const first = await senseCounted(database, instanceStateDrift, { accountId, now, providerStatus: reader });
    expect(first.signals).toHaveLength(50);
    expect(first.nextCursor).toBe(all[49]);
    expect(first.covers?.(`instance_state_drift:${all[49]}:stopped`)).toBe(true);
    expect(first.covers?.(`instance_state_drift:${all[50]}:stopped`)).toBe(false);
    const second = await senseCounted(database, instanceStateDrift, {
      accountId,
      now,
      providerStatus: reader,
      cursor: first.nextCursor as string,
    });
    expect(second.nextCursor).toBe(all[99]);
    const last = await senseCounted(database, instanceStateDrift, {
      accountId,
      now,
      providerStatus: reader,
      cursor: all[all.length - 10],
    });
    // The last 9 instances, then the page wraps to the first 41.
    expect(last.nextCursor).toBe(all[40]);
    const covered = (id: string | undefined) => last.covers?.(`instance_state_drift:${id}:stopped`);
    expect([covered(all.at(-1)), covered(all[0]), covered(all[40]), covered(all[41]), covered(all.at(-10))]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it("vouches for the open conditions of instances that stopped being candidates", async () => {
    const [gone] = (await seedInstances(database, accountId, 1, { status: "stopped" })).instanceIds;
    await database.db.insert(fleet_signal_states).values({
      account_id: accountId,
      kind: "fleet.instance_state_drift",
      fingerprint: `instance_state_drift:${gone}:stopped`,
      sensor: "instance_state_drift",
      first_seen_at: now,
      last_seen_at: now,
      last_severity: "high",
    });
    const result = await senseCounted(database, instanceStateDrift, { accountId, now, providerStatus: reader });
    expect(result.statements).toHaveLength(1);
    expect(result.covers?.(`instance_state_drift:${gone}:stopped`)).toBe(true);
  });

  it("is degraded when more than half the reads fail: no adapter, or credentials that do not open", async () => {
    const aws = await connection(otherAccount, "aws", null);
    const broken = await connection(otherAccount, "local", "not-a-sealed-value");
    const good = await connection(otherAccount, "local", null);
    const seed = async (conn: string, n: number, pad: string) => {
      const { instanceIds } = await seedInstances(database, otherAccount, n, {
        status: "running",
        provider_connection_id: conn,
      });
      await assignCloudIds(instanceIds, pad);
    };
    await seed(aws, 3, "a");
    await seed(broken, 3, "b");
    await seed(good, 5, "c");
    const result = await senseCounted(database, instanceStateDrift, {
      accountId: otherAccount,
      now,
      providerStatus: reader,
    });
    expect(result.degraded).toBe(true);
    expect(result.signals).toHaveLength(5);
    const withoutReader = await senseCounted(database, instanceStateDrift, { accountId: otherAccount, now });
    expect(withoutReader.degraded).toBe(true);
    expect(withoutReader.signals).toEqual([]);
  });
});
