// POST /agent/v1/claim over the real TLS listener without a client certificate (spec/agent.md §2,
// source 8): first contact records the box and shows a code that stays stable; an operator claims by
// the code over REST; the next poll hands over one bootstrap token, a re-poll (lost reply) gets that
// same token, enrollment consumes it, and further polls are refused. Rate limiting comes last
// because it spends this address's window.
import { randomBytes, randomUUID } from "node:crypto";
import { hashBootstrapToken, hashClaimCode } from "@nodepilot/core";
import { CLAIM_CODE_ALPHABET } from "@nodepilot/core/agent-protocol";
import { bootstrap_tokens, fleet_events, node_instances, unclaimed_devices } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { agentKeyAndCsr, tlsRequest } from "./agent-test-client.ts";
import { CLAIM_POLLS_PER_MINUTE } from "./claim-route.ts";

let fleet: TestFleet;
let templateId: string;
const db = () => fleet.runtime.database.db;
const call = (path: string, opts: Parameters<typeof tlsRequest>[4] = {}) => {
  const api = fleet.runtime.agentApi!;
  return tlsRequest(api.url, api.caPem, "POST", `/agent/v1${path}`, opts);
};

const mac = () =>
  [...randomBytes(6)]
    .map((b, i) => (i === 0 ? b & 0xfe : b).toString(16).padStart(2, "0"))
    .join(":")
    .toUpperCase();
const box = (extra: Record<string, unknown> = {}) => ({
  mac: mac(),
  dmi_uuid: randomUUID().toUpperCase(),
  hostname: "rack3-07",
  agent_version: "0.1.0",
  architecture: "arm64",
  ...extra,
});
const poll = (body: unknown) => call("/claim", { body });

const accountEvents = async (kind: string) =>
  (
    await db()
      .select({ c: count() })
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, fleet.runtime.accountId), eq(fleet_events.kind, kind)))
  )[0]!.c;
const deviceRows = () =>
  db().select().from(unclaimed_devices).where(eq(unclaimed_devices.account_id, fleet.runtime.accountId));

async function claimAsNewNode(code: string) {
  const res = await fleet.api("POST", "/api/v1/unclaimed_devices/claim", {
    body: { claim_code: code, node: { name: `n-${randomUUID().slice(0, 8)}`, node_template_id: templateId } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.instance.id as string;
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  await fleet.runtime.startAgentApi(0);
  templateId = await fleet.createTemplate("claim-route");
}, 60_000);
afterAll(async () => {
  await fleet?.close();
});

describe("first contact and pending polls", () => {
  it("records the box, shows an 8-character code, and keeps that code on every poll", async () => {
    const body = box({ platform_hint: "rpi5", requested_id: "shelf-2" });
    const before = await accountEvents("unclaimed_device.discovered");
    const first = await poll(body);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.status).toBe("pending");
    expect(first.body.poll_after_seconds).toBe(30);
    expect(first.body.claim_code).toMatch(new RegExp(`^[${CLAIM_CODE_ALPHABET}]{8}$`));
    const rows = (await deviceRows()).filter((r) => r.discovered_mac === body.mac.toLowerCase());
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    // The code is stored only as its hash and sealed, never in the clear.
    expect(row.claim_code).toBe(hashClaimCode(first.body.claim_code));
    expect(row.claim_code_sealed).not.toContain(first.body.claim_code);
    expect(row).toMatchObject({
      discovered_dmi_uuid: body.dmi_uuid.toLowerCase(),
      discovered_hostname: "rack3-07",
      architecture: "arm64",
      platform_hint: "rpi5",
      claimed_node_instance_id: null,
    });
    expect(row.expires_at.getTime() - row.last_seen_at.getTime()).toBe(24 * 3600_000);
    expect(await accountEvents("unclaimed_device.discovered")).toBe(before + 1);

    const again = await poll({ ...body, hostname: "rack3-07b", agent_version: "0.1.1" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const [updated] = (await deviceRows()).filter((r) => r.id === row.id);
    expect(updated!.discovered_hostname).toBe("rack3-07b");
    expect(updated!.agent_version).toBe("0.1.1");
    expect(updated!.last_seen_at.getTime()).toBeGreaterThanOrEqual(row.last_seen_at.getTime());
    expect(await accountEvents("unclaimed_device.discovered")).toBe(before + 1);

    // Another box (same DMI UUID, different MAC) is another device with another code.
    const other = await poll({ ...body, mac: mac() });
    expect(other.body.claim_code).not.toBe(first.body.claim_code);
  });

  it("gives simultaneous first polls of one box one row and one code", async () => {
    const body = box();
    const replies = await Promise.all([1, 2, 3, 4].map(() => poll(body)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(replies.map((r) => r.body.claim_code)).size).toBe(1);
    expect((await deviceRows()).filter((r) => r.discovered_mac === body.mac.toLowerCase())).toHaveLength(1);
  });

  it("refuses a malformed body naming the field and writes nothing", async () => {
    const before = (await deviceRows()).length;
    const bad = await poll({ ...box(), mac: "not-a-mac" });
    expect(bad.status).toBe(400);
    expect(bad.headers["content-type"]).toContain("application/problem+json");
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(["mac"]);
    const { hostname: _h, ...missing } = box();
    const noHost = await poll(missing);
    expect(noHost.status).toBe(400);
    expect(noHost.body.errors.map((e: { path: string }) => e.path)).toEqual(["hostname"]);
    const extra = await poll({ ...box(), instance_id: randomUUID() });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].path).toBe("instance_id");
    expect((await deviceRows()).length).toBe(before);
  });
});

describe("claimed", () => {
  it("hands over one token, replays it after a lost reply, and refuses once it enrolled", async () => {
    const body = box();
    const pending = await poll(body);
    const instanceId = await claimAsNewNode(pending.body.claim_code);

    const claimed = await poll(body);
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body).toEqual({ status: "claimed", instance_id: instanceId, bootstrap_token: expect.any(String) });
    const tokens = () => db().select().from(bootstrap_tokens).where(eq(bootstrap_tokens.node_instance_id, instanceId));
    const [token] = await tokens();
    expect(token).toMatchObject({ purpose: "claim", intended_subject: instanceId, consumed_at: null });
    expect(token!.token_hash).toBe(hashBootstrapToken(claimed.body.bootstrap_token));

    // The reply was lost: polling again returns the same token, and no second one exists.
    const replay = await poll(body);
    expect(replay.body).toEqual(claimed.body);
    expect(await tokens()).toHaveLength(1);

    const { csrPem } = await agentKeyAndCsr(instanceId);
    const enrolled = await call("/enroll", {
      body: {
        bootstrap_token: claimed.body.bootstrap_token,
        csr_pem: csrPem,
        identity: { instance_id: instanceId, source: "claim", architecture: "arm64", agent_version: "0.1.0" },
      },
    });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);

    const after = await poll(body);
    expect(after.status).toBe(409);
    expect(after.body).toMatchObject({ code: "conflict", reason: "already_enrolled" });
    expect(await tokens()).toHaveLength(1);
    const [row] = (await deviceRows()).filter((r) => r.claimed_node_instance_id === instanceId);
    expect(row!.bootstrap_token_sealed).toBeNull();
    const device = await fleet.api("GET", `/api/v1/unclaimed_devices/${row!.id}`);
    expect(device.body.data.status).toBe("enrolled");
  });

  it("mints a fresh token only once the first expired unused", async () => {
    const body = box();
    const instanceId = await claimAsNewNode((await poll(body)).body.claim_code);
    const first = await poll(body);
    await db()
      .update(bootstrap_tokens)
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where(eq(bootstrap_tokens.node_instance_id, instanceId));
    const second = await poll(body);
    expect(second.body.status).toBe("claimed");
    expect(second.body.bootstrap_token).not.toBe(first.body.bootstrap_token);
    const live = (
      await db().select().from(bootstrap_tokens).where(eq(bootstrap_tokens.node_instance_id, instanceId))
    ).filter((t) => t.expires_at > new Date());
    expect(live).toHaveLength(1);
    expect(live[0]!.token_hash).toBe(hashBootstrapToken(second.body.bootstrap_token));
  });

  it("puts a box whose instance was terminated back to pending under a new code", async () => {
    const body = box();
    const code = (await poll(body)).body.claim_code;
    const instanceId = await claimAsNewNode(code);
    await db().update(node_instances).set({ status: "terminated" }).where(eq(node_instances.id, instanceId));
    const res = await poll(body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe("pending");
    expect(res.body.claim_code).not.toBe(code);
    const reuse = await fleet.api("POST", "/api/v1/unclaimed_devices/claim", {
      body: { claim_code: code, node_id: randomUUID() },
    });
    expect(reuse.status).toBe(404);
    expect(await accountEvents("unclaimed_device.released")).toBeGreaterThanOrEqual(1);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After once an address spent its window", async () => {
    // Malformed bodies are counted before parsing, so the window is spent without writing rows.
    let limited: Awaited<ReturnType<typeof poll>> | undefined;
    for (let i = 0; i <= CLAIM_POLLS_PER_MINUTE && !limited; i++) {
      const res = await poll({});
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(400);
    }
    expect(limited, "no 429 within the window").toBeDefined();
    expect(limited!.body.code).toBe("rate_limited");
    expect(Number(limited!.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(limited!.headers["retry-after"])).toBeLessThanOrEqual(60);
  });
});
