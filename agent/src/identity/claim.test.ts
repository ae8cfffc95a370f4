// The claim source's polling against a scripted TLS server: the code is shown on stderr and the
// console, poll_after_seconds and Retry-After set the waits, network errors and 5xx back off and
// keep polling, other refusals end the source, and the resolver runs it after a SERVER+CA-only
// identity file without the 30 s deadline. The real listener is exercised in server/src/e2e.
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PlatformProblemError } from "../client/errors.ts";
import { type HttpsFixture, sendJson, startHttpsFixture } from "../testing/https-fixture.ts";
import { createTestPki, type TestPki } from "../testing/pki-fixture.ts";
import { claimIdentity } from "./claim.ts";
import { resolveIdentity } from "./resolve.ts";

const INSTANCE = "0190f3a2-7b1c-7d4e-8f00-1a2b3c4d5e6f";
let pki: TestPki;
let server: HttpsFixture | undefined;
let root: string;

beforeAll(async () => {
  pki = await createTestPki();
  root = await mkdtemp(path.join(tmpdir(), "np-claim-"));
  await mkdir(path.join(root, "class/net/eth0"), { recursive: true });
  await writeFile(path.join(root, "class/net/eth0/address"), "02:00:00:00:00:2a\n");
  await writeFile(path.join(root, "class/net/eth0/type"), "1\n");
  await mkdir(path.join(root, "class/dmi/id"), { recursive: true });
  await writeFile(path.join(root, "class/dmi/id/product_uuid"), "8D3F0C2E-1111-4222-8333-444455556666\n");
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Step = (res: ServerResponse) => void;
const pending =
  (code: string, after: number): Step =>
  (res) =>
    sendJson(res, 200, { status: "pending", claim_code: code, poll_after_seconds: after });
const claimed: Step = (res) =>
  sendJson(res, 200, { status: "claimed", instance_id: INSTANCE, bootstrap_token: "tok-1" });
const problem =
  (status: number, code: string, headers: Record<string, string> = {}): Step =>
  (res) =>
    sendJson(res, status, { status, code, detail: code }, headers);
const hangUp: Step = (res) => res.socket?.destroy();

async function script(steps: Step[]) {
  let i = 0;
  server = await startHttpsFixture(pki, (_req, res) => (steps[i++] ?? claimed)(res));
  return server;
}

function harness() {
  const lines: string[] = [];
  const sleeps: number[] = [];
  return {
    lines,
    sleeps,
    opts: {
      sysfsRoot: root,
      cpuinfoPath: path.join(root, "cpuinfo"),
      hostname: "rack3-07",
      consolePath: path.join(root, `tty-${Math.random()}`),
      log: (l: string) => lines.push(l),
      rng: () => 0.5,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
    },
  };
}

describe("claimIdentity", () => {
  it("polls with the box's identity, shows the code, honours every wait, and returns the claim", async () => {
    const s = await script([
      hangUp,
      problem(503, "unavailable"),
      problem(429, "rate_limited", { "Retry-After": "7" }),
      pending("K7QMP2XD", 12),
      pending("K7QMP2XD", 12),
      claimed,
    ]);
    const h = harness();
    const out = await claimIdentity({ platform_url: s.url, ca_pem: pki.caPem }, h.opts);
    expect(out).toEqual({ platform_url: s.url, ca_pem: pki.caPem, instance_id: INSTANCE, bootstrap_token: "tok-1" });
    // Backoff with full jitter (rng 0.5 of 1 s, then of 2 s), Retry-After, then poll_after_seconds twice.
    expect(h.sleeps).toEqual([500, 1000, 7000, 12_000, 12_000]);
    expect(s.requests).toHaveLength(6);
    const req = s.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/agent/v1/claim");
    expect(req.clientCn).toBeNull();
    expect(JSON.parse(req.body)).toEqual({
      mac: "02:00:00:00:00:2a",
      dmi_uuid: "8d3f0c2e-1111-4222-8333-444455556666",
      hostname: "rack3-07",
      agent_version: expect.any(String),
      architecture: expect.stringMatching(/^(amd64|arm64)$/),
    });
    // Shown once on stderr and on the console, not on every poll.
    expect(h.lines.filter((l) => l.includes("K7QM-P2XD"))).toHaveLength(1);
    expect(await readFile(h.opts.consolePath, "utf8")).toContain("Claim code: K7QM-P2XD");
  });

  it("shows a new code when the platform issues one", async () => {
    const s = await script([pending("AAAABBBB", 1), pending("CCCCDDDD", 1), claimed]);
    const h = harness();
    await claimIdentity({ platform_url: s.url, ca_pem: pki.caPem }, { ...h.opts, consolePath: null });
    expect(h.lines.filter((l) => l.includes("Claim code"))).toEqual([
      expect.stringContaining("AAAA-BBBB"),
      expect.stringContaining("CCCC-DDDD"),
    ]);
  });

  it("ends on a refusal that is not worth retrying", async () => {
    const s = await script([pending("AAAABBBB", 1), problem(409, "conflict")]);
    const h = harness();
    const err = await claimIdentity({ platform_url: s.url, ca_pem: pki.caPem }, h.opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformProblemError);
    expect((err as PlatformProblemError).status).toBe(409);
  });
});

describe("resolveIdentity with a SERVER+CA-only identity file", () => {
  it("claims after the other sources, past the 30 s deadline, and returns a claim identity", async () => {
    const s = await script([pending("AAAABBBB", 1), claimed]);
    await writeFile(path.join(root, "ca.pem"), pki.caPem);
    const file = path.join(root, "identity.cfg");
    await writeFile(file, `SERVER=${s.url}\nCA_PEM_FILE=ca.pem\n`);
    const h = harness();
    const { record, reports } = await resolveIdentity({
      identityFile: file,
      cmdlinePath: path.join(root, "no-cmdline"),
      sysfsRoot: root,
      metadataBaseUrl: "http://127.0.0.1:9",
      // The deadline passes while the claim waits; the claim carries on regardless.
      deadlineMs: 20,
      claim: { ...h.opts, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))) },
    });
    expect(record).toMatchObject({
      source: "claim",
      instance_id: INSTANCE,
      bootstrap_token: "tok-1",
      platform_url: s.url,
      ca_bundle_pem: pki.caPem,
    });
    expect(reports[0]).toMatchObject({ source: "files", status: "incomplete" });
    expect(reports.at(-1)).toEqual({ source: "claim", status: "won", detail: `claimed as instance ${INSTANCE}` });
  });

  it("does not claim when the file has a KEY, or when claiming is turned off", async () => {
    const file = path.join(root, "with-key.cfg");
    await writeFile(file, `KEY=abc\nSERVER=https://127.0.0.1:9\nCA_PEM_FILE=ca.pem\n`, { mode: 0o600 });
    await writeFile(path.join(root, "ca.pem"), pki.caPem);
    const offline = { cmdlinePath: path.join(root, "none"), sysfsRoot: root, metadataBaseUrl: "http://127.0.0.1:9" };
    const err = await resolveIdentity({ identityFile: file, ...offline, claim: harness().opts }).catch((e) => e);
    expect(err.reports.map((r: { source: string }) => r.source)).not.toContain("claim");
    const bare = path.join(root, "bare.cfg");
    await writeFile(bare, `SERVER=https://127.0.0.1:9\nCA_PEM_FILE=ca.pem\n`);
    const off = await resolveIdentity({ identityFile: bare, ...offline, claim: false }).catch((e) => e);
    expect(off.reports.map((r: { source: string }) => r.source)).not.toContain("claim");
    const only = await resolveIdentity({ only: "claim", ...offline, identityFileCandidates: [] }).catch((e) => e);
    // `--source claim` reads the identity files (here none exist) and then only claims.
    expect(only.reports).toEqual([
      { source: "files", status: "absent", detail: "none of  exists" },
      { source: "claim", status: "absent", detail: "no identity file gave SERVER and a CA without ID/KEY" },
    ]);
  });
});
