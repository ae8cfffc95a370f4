// Sensors #10–#18 against the real database (PGlite, or PostgreSQL with
// NODEPILOT_TEST_DATABASE_URL): fixtures go in through store's tables, each sensor runs in a READ
// ONLY transaction exactly as a tick runs it, sends exactly one statement, and emits exactly the
// expected signals — all of which pass the signal contract. Another account's rows are never seen.
import { randomInt } from "node:crypto";
import {
  cve_exposures,
  cves,
  type Database,
  gitops_proposals,
  gitops_repositories,
  gitops_sync_runs,
  infrastructure_projects,
  module_versions,
  node_modules,
  package_module_links,
  package_repositories,
  packages,
  project_metrics,
  sdwan_bgp_sessions,
  sdwan_membership_credentials,
  sdwan_networks,
  sdwan_peers,
  sdwan_virtual_ips,
  storage_assignments,
} from "@nodepilot/store";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sensorsTenToEighteen } from "./domain-sensors.ts";
import { gitopsDrift } from "./gitops-drift.ts";
import { packageDrift } from "./package-drift.ts";
import { projectSlo } from "./project-slo.ts";
import { sdwanBgpSession } from "./sdwan-bgp-session.ts";
import { sdwanCredentialExpiry } from "./sdwan-credential-expiry.ts";
import { sdwanHubUnreachable } from "./sdwan-hub-unreachable.ts";
import { sdwanPeerStale } from "./sdwan-peer-stale.ts";
import { sdwanVipUnreachable } from "./sdwan-vip-unreachable.ts";
import type { Sensor } from "./sensor.ts";
import type { Signal } from "./signal.ts";
import { validateSignals } from "./signal.ts";
import { storageAssignmentDrift } from "./storage-assignment-drift.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";

let database: Database;
let accountId: string;
let otherAccountId: string;
let instances: string[];
let otherInstances: string[];
const createdCves: string[] = [];
// Whole milliseconds, like the database's timestamps.
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const later = (s: number) => new Date(now.getTime() + s * 1000);

const PEER_COUNT = 1200;

beforeAll(async () => {
  database = await openTestDatabase();
  accountId = await createTestAccount(database);
  otherAccountId = await createTestAccount(database);
  instances = (await seedInstances(database, accountId, PEER_COUNT, { status: "running" })).instanceIds;
  otherInstances = (await seedInstances(database, otherAccountId, 4, { status: "running" })).instanceIds;
});

afterAll(async () => {
  if (!database) return;
  for (const id of [accountId, otherAccountId]) if (id) await deleteTestAccount(database, id);
  if (createdCves.length > 0) await database.db.delete(cves).where(inArray(cves.cve_id, createdCves));
  await database.close();
});

/** Runs the sensor as the tick does and checks the contract: one statement, every signal valid. */
async function run<S extends Sensor>(sensor: S, settings: Record<string, unknown> = {}, account = accountId) {
  const out = await senseCounted(database, sensor, { accountId: account, now, settings });
  expect(out.statements).toHaveLength(1);
  const validated = validateSignals(sensor.name, sensor.kinds, out.signals);
  expect(validated.rejected).toEqual([]);
  expect(validated.accepted).toHaveLength(out.signals.length);
  return out.signals as Signal[];
}

const bySeverity = (signals: Signal[]) => {
  const counts: Record<string, number> = {};
  for (const s of signals) counts[s.severity] = (counts[s.severity] ?? 0) + 1;
  return counts;
};

let networkSeq = 0;
async function network(values: Partial<typeof sdwan_networks.$inferInsert> = {}, account = accountId) {
  networkSeq++;
  const [n] = await database.db
    .insert(sdwan_networks)
    .values({
      account_id: account,
      name: `net-${networkSeq}`,
      cidr_64: `fd00:${networkSeq.toString(16)}::/64`,
      status: "active",
      ...values,
    })
    .returning();
  return n!;
}

async function peers(networkId: string, rows: Partial<typeof sdwan_peers.$inferInsert>[], account = accountId) {
  const pool = account === accountId ? instances : otherInstances;
  const values = rows.map((r, i) => ({
    account_id: account,
    network_id: networkId,
    node_instance_id: pool[i]!,
    assigned_address: `fd00::${(i + 1).toString(16)}/128`,
    wireguard_public_key: `key-${i}`,
    ...r,
  }));
  const out: (typeof sdwan_peers.$inferSelect)[] = [];
  for (let i = 0; i < values.length; i += 1000) {
    out.push(
      ...(await database.db
        .insert(sdwan_peers)
        .values(values.slice(i, i + 1000))
        .returning()),
    );
  }
  return out;
}

describe("sensorsTenToEighteen", () => {
  it("runs #10–#18 in order and declares exactly the kinds of §1.3", () => {
    expect(sensorsTenToEighteen.map((s) => [s.order, s.name, [...s.kinds]])).toEqual([
      [10, "sdwan_peer_stale", ["fleet.sdwan_peer_stale"]],
      [11, "sdwan_hub_unreachable", ["fleet.sdwan_hub_unreachable"]],
      [12, "sdwan_bgp_session", ["fleet.sdwan_bgp_session_unhealthy", "fleet.sdwan_bgp_session_stale"]],
      [13, "sdwan_vip_unreachable", ["fleet.sdwan_vip_unreachable"]],
      [14, "gitops_drift", ["fleet.gitops_drift", "fleet.gitops_sync_stale"]],
      [
        15,
        "project_slo",
        ["fleet.project_slo_violation", "fleet.project_drift", "fleet.project_cost_breach", "fleet.project_unmeasured"],
      ],
      [16, "package_drift", ["fleet.package_drift"]],
      [17, "sdwan_credential_expiry", ["fleet.sdwan_credential_expiring", "fleet.sdwan_credential_refresh_stalled"]],
      [18, "storage_assignment_drift", ["fleet.storage_assignment_drift"]],
    ]);
  });

  it("every sensor's defaults parse from {} and the run is empty for an account with nothing", async () => {
    const empty = await createTestAccount(database);
    try {
      for (const sensor of sensorsTenToEighteen) expect(await run(sensor, {}, empty)).toEqual([]);
    } finally {
      await deleteTestAccount(database, empty);
    }
  });
});

describe("sdwan_peer_stale on the database", () => {
  it(`finds the stale peers among ${PEER_COUNT} in one statement`, async () => {
    // Per block of six: fresh, just past the window, high, critical, never handshaked, exactly at the window.
    const ages = [60, 301, 900, 1800, null, 300];
    const net = await network();
    await peers(
      net.id,
      Array.from({ length: PEER_COUNT }, (_, i) => {
        const age = ages[i % ages.length]!;
        return { last_handshake_at: age === null ? null : ago(age), status: "active" as const };
      }),
    );
    // Stale, but in a decommissioned network or another account: never reported.
    const gone = await network({ status: "decommissioned" });
    await peers(gone.id, [{ last_handshake_at: ago(5000) }]);
    const foreign = await network({}, otherAccountId);
    await peers(foreign.id, [{ last_handshake_at: ago(5000) }], otherAccountId);

    const signals = (await run(sdwanPeerStale)).filter((s) => s.payload.network_id === net.id);
    const block = PEER_COUNT / ages.length;
    expect(bySeverity(signals)).toEqual({ medium: block, high: block, critical: block });
    const all = await run(sdwanPeerStale);
    expect(all).toHaveLength(3 * block);
  });
});

describe("sdwan_hub_unreachable on the database", () => {
  it("flags silent hubs and hubless networks", async () => {
    const silent = await network();
    await peers(silent.id, [{ publicly_reachable: true, last_handshake_at: ago(700) }, { last_handshake_at: ago(5) }]);
    const healthy = await network();
    await peers(healthy.id, [
      { publicly_reachable: true, last_handshake_at: ago(30) },
      { publicly_reachable: true, last_handshake_at: ago(9000) },
    ]);
    const twoSilentHubs = await network();
    await peers(twoSilentHubs.id, [
      { publicly_reachable: true, last_handshake_at: ago(700) },
      { publicly_reachable: true },
      { last_handshake_at: ago(1) },
    ]);
    const hubless = await network({ topology: "hub_and_spoke" });
    await peers(hubless.id, [{ last_handshake_at: ago(1) }, { last_handshake_at: ago(2) }]);
    const mesh = await network({ topology: "full_mesh" });
    await peers(mesh.id, [{ last_handshake_at: ago(1) }, { last_handshake_at: ago(2) }]);
    await network(); // no peers
    const registered = await network({ status: "registered" });
    await peers(registered.id, [{ publicly_reachable: true, last_handshake_at: ago(9000) }]);

    const ours = new Set([silent.id, healthy.id, twoSilentHubs.id, hubless.id, mesh.id, registered.id]);
    const signals = (await run(sdwanHubUnreachable)).filter((s) => ours.has(s.payload.network_id as string));
    expect(signals.map((s) => [s.fingerprint, s.severity]).sort()).toEqual(
      [
        [`sdwan_hub_unreachable:${silent.id}`, "critical"],
        [`sdwan_hub_unreachable:${twoSilentHubs.id}`, "high"],
        [`sdwan_no_hub:${hubless.id}`, "critical"],
      ].sort(),
    );
    expect(signals.find((s) => s.fingerprint === `sdwan_hub_unreachable:${twoSilentHubs.id}`)?.payload).toMatchObject({
      hub_count: 2,
      spoke_count: 1,
      last_handshake_at: ago(700).toISOString(),
    });
  });
});

describe("sdwan_bgp_session on the database", () => {
  it("reports stuck and unreported sessions", async () => {
    const net = await network({ routing_protocol: "ibgp" });
    const [a, b] = await peers(net.id, [{ last_handshake_at: ago(1) }, { last_handshake_at: ago(1) }]);
    const common = { account_id: accountId, peer_id: a!.id, created_at: ago(86400) };
    await database.db.insert(sdwan_bgp_sessions).values([
      {
        ...common,
        neighbor_peer_id: b!.id,
        neighbor_address: "fd00::2",
        state: "active",
        last_state_change_at: ago(1000),
        last_observed_at: ago(10),
        last_error: "Hold Timer Expired",
      },
      {
        ...common,
        neighbor_address: "fd00::3",
        state: "established",
        last_state_change_at: ago(9000),
        last_observed_at: ago(5),
      },
      {
        ...common,
        neighbor_address: "fd00::4",
        state: "established",
        last_state_change_at: ago(9000),
        last_observed_at: ago(400),
      },
      {
        ...common,
        neighbor_address: "fd00::5",
        state: "connect",
        last_state_change_at: ago(100),
        last_observed_at: ago(5),
      },
      { ...common, neighbor_address: "fd00::6", state: "idle", last_state_change_at: ago(2000) },
    ]);
    const signals = await run(sdwanBgpSession);
    expect(signals.map((s) => [s.fingerprint, s.severity]).sort()).toEqual(
      [
        [`sdwan_bgp_session_unhealthy:${a!.id}:fd00::2`, "high"],
        [`sdwan_bgp_session_stale:${a!.id}:fd00::4`, "medium"],
        [`sdwan_bgp_session_stale:${a!.id}:fd00::6`, "medium"],
      ].sort(),
    );
    expect(signals.find((s) => s.kind === "fleet.sdwan_bgp_session_unhealthy")?.payload).toMatchObject({
      network_id: net.id,
      neighbor_peer_id: b!.id,
      stuck_for_seconds: 1000,
      last_error: "Hold Timer Expired",
    });
    expect(signals.find((s) => s.fingerprint.endsWith("fd00::6"))?.payload).toMatchObject({
      last_observed_at: null,
      stale_for_seconds: 86400,
    });
  });
});

describe("sdwan_vip_unreachable on the database", () => {
  it("reports silent holders of active VIPs", async () => {
    const net = await network();
    const [h1, h2, h3, standby, joining] = await peers(net.id, [
      { last_handshake_at: ago(700) },
      { last_handshake_at: ago(2000) },
      { last_handshake_at: ago(10) },
      { last_handshake_at: ago(1) },
      {},
    ]);
    const [single, anycast] = await database.db
      .insert(sdwan_virtual_ips)
      .values([
        {
          account_id: accountId,
          network_id: net.id,
          name: "vip-db",
          cidr: "fd00::100/128",
          state: "active",
          holder_peer_ids: [h1!.id],
          failover_holder_peer_ids: [standby!.id],
        },
        {
          account_id: accountId,
          network_id: net.id,
          name: "vip-any",
          cidr: "fd00::200/128",
          state: "active",
          anycast: true,
          holder_peer_ids: [h2!.id, h3!.id],
        },
        {
          account_id: accountId,
          network_id: net.id,
          name: "vip-joining",
          cidr: "fd00::300/128",
          state: "active",
          holder_peer_ids: [joining!.id],
        },
        {
          account_id: accountId,
          network_id: net.id,
          name: "vip-released",
          cidr: "fd00::400/128",
          state: "released",
          holder_peer_ids: [h2!.id],
        },
      ])
      .returning();
    const signals = await run(sdwanVipUnreachable);
    expect(signals.map((s) => [s.fingerprint, s.severity]).sort()).toEqual(
      [
        [`sdwan_vip_unreachable:${single!.id}`, "high"],
        [`sdwan_vip_holder_silent:${anycast!.id}:${h2!.id}`, "critical"],
      ].sort(),
    );
    expect(signals.find((s) => s.payload.virtual_ip_id === single!.id)?.payload).toMatchObject({
      holder_peer_id: h1!.id,
      holder_handshake_age_seconds: 700,
      has_failover_candidates: true,
    });
    expect(signals.find((s) => s.payload.virtual_ip_id === anycast!.id)?.payload.has_failover_candidates).toBe(false);
  });

  it("refuses an anycast VIP with fewer than two holders", async () => {
    const net = await network();
    const [h] = await peers(net.id, [{}]);
    await expect(
      database.db.insert(sdwan_virtual_ips).values({
        account_id: accountId,
        network_id: net.id,
        name: "vip-bad",
        cidr: "fd00::500/128",
        anycast: true,
        holder_peer_ids: [h!.id],
      }),
    ).rejects.toThrow();
  });
});

describe("gitops_drift on the database", () => {
  it("reads the newest successful run of each enabled repository", async () => {
    const repo = (name: string, values: Partial<typeof gitops_repositories.$inferInsert> = {}) =>
      database.db
        .insert(gitops_repositories)
        .values({
          account_id: accountId,
          name,
          url: `https://git.example/${name}.git`,
          created_at: ago(30 * 86400),
          ...values,
        })
        .returning()
        .then((r) => r[0]!);
    const run_ = (repositoryId: string, values: Partial<typeof gitops_sync_runs.$inferInsert>) =>
      database.db
        .insert(gitops_sync_runs)
        .values({ account_id: accountId, repository_id: repositoryId, started_at: ago(90000), ...values })
        .returning()
        .then((r) => r[0]!);
    const drifting = await repo("drifting");
    await run_(drifting.id, {
      status: "succeeded",
      completed_at: ago(7200),
      synced_revision: "aaa",
      diff_count: 0,
      diff_summary: { create: 0, update: 0, destroy: 0 },
    });
    await run_(drifting.id, {
      status: "succeeded",
      completed_at: ago(600),
      synced_revision: "bbb",
      diff_count: 2,
      diff_summary: { create: 1, update: 0, destroy: 1 },
    });
    await run_(drifting.id, { status: "failed", completed_at: ago(60), error: "fleet.yaml: line 3: bad indentation" });
    const sync = await run_(drifting.id, { status: "running" });
    await database.db.insert(gitops_proposals).values([
      {
        account_id: accountId,
        repository_id: drifting.id,
        sync_run_id: sync.id,
        action: "create",
        resource_type: "node",
        resource_name: "a",
      },
      {
        account_id: accountId,
        repository_id: drifting.id,
        action: "destroy",
        resource_type: "node",
        resource_name: "b",
      },
      {
        account_id: accountId,
        repository_id: drifting.id,
        action: "update",
        resource_type: "node",
        resource_name: "c",
        status: "approved",
      },
    ]);
    const inSync = await repo("in-sync");
    await run_(inSync.id, { status: "succeeded", completed_at: ago(300), synced_revision: "ccc", diff_count: 0 });
    const stale = await repo("stale");
    await run_(stale.id, {
      status: "succeeded",
      completed_at: ago(90000),
      synced_revision: "ddd",
      diff_count: 1,
      diff_summary: { create: 1, update: 0, destroy: 0 },
    });
    const never = await repo("never");
    await repo("new", { created_at: ago(60) });
    const disabled = await repo("disabled", { enabled: false });
    await run_(disabled.id, {
      status: "succeeded",
      completed_at: ago(600),
      synced_revision: "eee",
      diff_count: 50,
      diff_summary: { create: 50, update: 0, destroy: 0 },
    });

    const signals = await run(gitopsDrift);
    expect(signals.map((s) => [s.fingerprint, s.severity]).sort()).toEqual(
      [
        [`gitops_drift:${drifting.id}:bbb`, "high"],
        [`gitops_sync_stale:${stale.id}`, "medium"],
        [`gitops_sync_stale:${never.id}`, "medium"],
      ].sort(),
    );
    expect(signals.find((s) => s.kind === "fleet.gitops_drift")?.payload).toEqual({
      repository_id: drifting.id,
      repository_name: "drifting",
      branch: "main",
      synced_revision: "bbb",
      last_sync_at: ago(600).toISOString(),
      diff_count: 2,
      diff_summary: { create: 1, update: 0, destroy: 1 },
      pending_proposal_count: 2,
    });
  });

  it("refuses a run whose summary does not add up to its diff count", async () => {
    const [r] = await database.db
      .insert(gitops_repositories)
      .values({ account_id: accountId, name: "bad-run", url: "https://git.example/x.git" })
      .returning();
    await expect(
      database.db.insert(gitops_sync_runs).values({
        account_id: accountId,
        repository_id: r!.id,
        started_at: now,
        status: "succeeded",
        completed_at: now,
        synced_revision: "x",
        diff_count: 3,
        diff_summary: { create: 1, update: 0, destroy: 0 },
      }),
    ).rejects.toThrow();
  });
});

describe("project_slo on the database", () => {
  it("compares the newest metric row with the project's targets", async () => {
    const brief = { scale: { initial: 3 }, regions: ["eu-west", "us-east"], budget: { monthly_cap_usd: 1000 } };
    const [breaching, healthy, unmeasured, draft] = await database.db
      .insert(infrastructure_projects)
      .values([
        { account_id: accountId, name: "shop", status: "active", brief, slo_targets: { p99_latency_ms: 200 } },
        { account_id: accountId, name: "blog", status: "active", brief },
        { account_id: accountId, name: "batch", status: "active", brief },
        { account_id: accountId, name: "draft", status: "draft", brief },
      ])
      .returning();
    const metric = (projectId: string, observedAt: Date, values: Partial<typeof project_metrics.$inferInsert>) => ({
      account_id: accountId,
      project_id: projectId,
      observed_at: observedAt,
      availability_pct: 99.9,
      p99_latency_ms: 100,
      cost_usd: 500,
      replica_count: 3,
      region_count: 2,
      ...values,
    });
    await database.db.insert(project_metrics).values([
      // An older, worse row that must not be read.
      metric(breaching!.id, ago(300), { p99_latency_ms: 900, cost_usd: 9000 }),
      metric(breaching!.id, ago(30), { p99_latency_ms: 260, replica_count: 2, cost_usd: 1300 }),
      metric(healthy!.id, ago(30), {}),
      metric(unmeasured!.id, ago(3600), { p99_latency_ms: 900 }),
      metric(draft!.id, ago(30), { p99_latency_ms: 900 }),
    ]);
    const signals = await run(projectSlo);
    expect(signals.map((s) => [s.fingerprint, s.severity]).sort()).toEqual(
      [
        [`project_slo_violation:${breaching!.id}:p99_latency_ms`, "high"],
        [`project_drift:${breaching!.id}:replica_count`, "medium"],
        [`project_cost_breach:${breaching!.id}`, "high"],
        [`project_unmeasured:${unmeasured!.id}`, "low"],
      ].sort(),
    );
    expect(signals.find((s) => s.kind === "fleet.project_slo_violation")?.payload).toMatchObject({
      observed: 260,
      target: 200,
      breach_pct: 30,
    });
  });
});

describe("package_drift on the database", () => {
  it("compares linked versions with upstream in dpkg order and flags open CVEs", async () => {
    const [repo] = await database.db
      .insert(package_repositories)
      .values({
        account_id: accountId,
        name: "ubuntu-noble",
        kind: "apt",
        base_url: "http://archive.ubuntu.com/ubuntu",
      })
      .returning();
    const [m1, m2, m3] = await database.db
      .insert(node_modules)
      .values([
        { account_id: accountId, name: "pkg-openssl" },
        { account_id: accountId, name: "pkg-curl" },
        { account_id: accountId, name: "pkg-zlib" },
      ])
      .returning();
    const [v1] = await database.db
      .insert(module_versions)
      .values({ account_id: accountId, node_module_id: m1!.id, version_number: 1 })
      .returning();
    const listed = (name: string, version: string, architecture: "amd64" | "arm64" | "all" = "amd64") => ({
      account_id: accountId,
      package_repository_id: repo!.id,
      name,
      version,
      architecture,
      first_seen_at: ago(3600),
    });
    await database.db
      .insert(packages)
      .values([
        listed("openssl", "3.0.13-0ubuntu3.1"),
        listed("openssl", "3.0.13-0ubuntu3.10"),
        listed("openssl", "3.0.13-0ubuntu3.9"),
        listed("openssl", "3.0.14-0ubuntu1", "arm64"),
        listed("curl", "8.5.0-2ubuntu10~rc1", "all"),
        listed("zlib1g", "1:1.3.dfsg-3.1ubuntu3"),
      ]);
    const link = (nodeModuleId: string, packageName: string, version: string, syncedAgo: number) => ({
      account_id: accountId,
      package_repository_id: repo!.id,
      node_module_id: nodeModuleId,
      package_name: packageName,
      package_version: version,
      architecture: "amd64" as const,
      last_synced_at: ago(syncedAgo),
    });
    const [openssl, curl, zlib] = await database.db
      .insert(package_module_links)
      .values([
        link(m1!.id, "openssl", "3.0.13-0ubuntu3.1", 90000),
        link(m2!.id, "curl", "8.5.0-2ubuntu10", 90000),
        link(m3!.id, "zlib1g", "1.3.dfsg-3.1ubuntu3", 3600),
      ])
      .returning();
    const cveId = `CVE-2026-${randomInt(100000, 999999)}`;
    createdCves.push(cveId);
    await database.db
      .insert(cves)
      .values({ cve_id: cveId, severity: "high", ingested_at: now, feed_source: "test" })
      .onConflictDoNothing();
    await database.db.insert(cve_exposures).values({
      account_id: accountId,
      cve_id: cveId,
      module_version_id: v1!.id,
      package_name: "openssl",
      package_version: "3.0.13-0ubuntu3.1",
      match_method: "sbom",
      detected_at: ago(100),
    });

    const signals = await run(packageDrift);
    // curl's upstream is a pre-release of its version (older); zlib synced an hour ago.
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      severity: "high",
      fingerprint: `pkg_drift:${openssl!.id}:3.0.13-0ubuntu3.10`,
      payload: { current_version: "3.0.13-0ubuntu3.1", upstream_version: "3.0.13-0ubuntu3.10", cve_flagged: true },
      refs: { node_module_id: m1!.id, cve_id: cveId },
    });
    expect([curl!.id, zlib!.id]).not.toContain(signals[0]!.payload.package_module_link_id);

    // Once the exposure is resolved the drift is ordinary.
    await database.db
      .update(cve_exposures)
      .set({ state: "resolved", resolved_at: now })
      .where(eq(cve_exposures.account_id, accountId));
    expect((await run(packageDrift)).map((s) => s.severity)).toEqual(["medium"]);
  });
});

describe("sdwan_credential_expiry on the database", () => {
  it("reports live credentials near expiry and stalled refreshes", async () => {
    const net = await network();
    const [p1, p2, p3] = await peers(net.id, [{}, {}, {}]);
    const cred = (
      peerId: string,
      revision: number,
      values: Partial<typeof sdwan_membership_credentials.$inferInsert>,
    ) => ({
      account_id: accountId,
      peer_id: peerId,
      network_id: net.id,
      revision,
      envelope: `signed-${peerId}-${revision}`,
      issued_at: ago(86400),
      refresh_after: ago(600),
      not_after: later(3600),
      ...values,
    });
    const [, urgent, stalled] = await database.db
      .insert(sdwan_membership_credentials)
      .values([
        cred(p1!.id, 1, { status: "superseded", not_after: ago(10) }),
        cred(p1!.id, 2, { live: true, not_after: later(200) }),
        cred(p2!.id, 1, { live: true, status: "expiring", not_after: later(3000) }),
        // Refresh in progress: revision 2 exists, so revision 1's `expiring` is not stalled.
        cred(p3!.id, 1, { live: true, status: "expiring", not_after: later(5000) }),
        cred(p3!.id, 2, { not_after: later(86400), refresh_after: later(43200) }),
      ])
      .returning();
    const signals = await run(sdwanCredentialExpiry);
    expect(signals.map((s) => [s.fingerprint, s.severity]).sort()).toEqual(
      [
        [`sdwan_credential_expiring:${urgent!.id}`, "high"],
        [`sdwan_credential_refresh_stalled:${p2!.id}:${net.id}`, "high"],
      ].sort(),
    );
    expect(signals.find((s) => s.kind === "fleet.sdwan_credential_refresh_stalled")?.payload).toMatchObject({
      membership_credential_id: stalled!.id,
      revision: 1,
      seconds_to_expiry: 3000,
      seconds_overdue: 600,
    });
  });

  it("refuses a second live credential for the same peer and network", async () => {
    const net = await network();
    const [p] = await peers(net.id, [{}]);
    const base = {
      account_id: accountId,
      peer_id: p!.id,
      network_id: net.id,
      envelope: "x",
      issued_at: ago(10),
      refresh_after: later(10),
      not_after: later(20),
      live: true,
    };
    await database.db.insert(sdwan_membership_credentials).values({ ...base, revision: 1 });
    await expect(database.db.insert(sdwan_membership_credentials).values({ ...base, revision: 2 })).rejects.toThrow();
  });
});

describe("storage_assignment_drift on the database", () => {
  it("finds assignments stuck mid-reconcile among 1,000", async () => {
    const statuses = ["pending", "provisioning", "ready", "degraded", "failed"] as const;
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      account_id: accountId,
      node_instance_id: instances[i % instances.length]!,
      kind: "mount" as const,
      target: `/srv/data-${i}`,
      status: statuses[i % statuses.length]!,
      // Even rows reported 10 minutes ago (stale), odd ones 10 seconds ago; every 10th never reported.
      last_status_at: i % 10 === 9 ? null : ago(i % 2 === 0 ? 600 : 10),
    }));
    await database.db.insert(storage_assignments).values(rows);
    await database.db.insert(storage_assignments).values({
      account_id: otherAccountId,
      node_instance_id: otherInstances[0]!,
      kind: "mount",
      target: "/srv/foreign",
      status: "failed",
    });
    const expected = rows.filter(
      (r) => r.status !== "ready" && (r.last_status_at === null || r.last_status_at.getTime() <= ago(301).getTime()),
    );
    const signals = await run(storageAssignmentDrift);
    expect(signals).toHaveLength(expected.length);
    expect(bySeverity(signals)).toEqual({
      high: expected.filter((r) => r.status === "failed").length,
      medium: expected.filter((r) => r.status !== "failed").length,
    });
    expect(signals.every((s) => instances.includes(s.payload.node_instance_id as string))).toBe(true);
  });

  it("refuses a status outside the closed set", async () => {
    const err = await database.db
      .insert(storage_assignments)
      .values({
        account_id: accountId,
        node_instance_id: instances[0]!,
        kind: "mount",
        target: "/x",
        status: "stuck" as "failed",
      })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect((err?.cause as { constraint?: string } | undefined)?.constraint).toBe("storage_assignments_status");
  });
});
