// The agent's claim source (spec/agent.md §2, source 8), its own code in process, against the real
// agent listener of a test fleet: it polls with the box's identity read from fixture sysfs and
// cpuinfo files, shows the claim code, waits poll_after_seconds and the real per-IP limiter's
// Retry-After, rides out the listener going away, shows a new code when the platform issues one,
// ends on a 409 already_enrolled as an enrollment refusal (exit 4), and runs after the other
// sources past the 30 s discovery deadline. The operator side goes through the REST API.
//
// The claim's `sleep` is the test's hand on the clock: each wait the agent asks for is recorded and
// held until the test has done what a human would do meanwhile (claim, take a claim back, pull
// the plug).
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AGENT_VERSION,
  type ClaimOptions,
  claimIdentity,
  EXIT,
  ExitError,
  enroll,
  resolveIdentity,
  runCli,
  statePaths,
} from "@nodepilot/agent";
import type { IdentityRecord } from "@nodepilot/core/agent-protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ClaimRateLimit } from "../agent-api/claim-route.ts";
import { corePki } from "../agent-api/core-pki.ts";
import { type AgentListener, startAgentListener } from "../agent-api/listener.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { freePort, WAIT_MS } from "./agent-fixture.ts";

let fleet: TestFleet;
let templateId: string;
/** The fleet's claim listener with the default per-IP limit; its CA is every listener's CA. */
let listener: AgentListener;
const listeners = new Set<AgentListener>();
const running: AbortController[] = [];

/** A claim listener of this fleet answering pending polls with poll_after_seconds 1. */
async function claimListener(opts: { port?: number; rateLimit?: ClaimRateLimit } = {}): Promise<AgentListener> {
  const services = fleet.runtime.services;
  const l = await startAgentListener({
    services,
    logger: services.logger,
    pki: corePki(services),
    dataDir: fleet.runtime.config.NODEPILOT_DATA_DIR,
    host: "127.0.0.1",
    port: opts.port ?? 0,
    claimAccountId: fleet.runtime.accountId,
    claimPollSeconds: 1,
    ...(opts.rateLimit ? { claimRateLimit: opts.rateLimit } : {}),
  });
  listeners.add(l);
  return l;
}

async function stop(l: AgentListener): Promise<void> {
  listeners.delete(l);
  await l.close();
}

interface Box {
  mac: string;
  hardwareId: string;
  sysfsRoot: string;
  cpuinfoPath: string;
  dir: string;
}

/** A fixture machine: eth0 (and loopback) under sys/class/net, and a DMI UUID or only a cpuinfo Serial. */
async function makeBox(mac: string, id: { dmi: string } | { serial: string }): Promise<Box> {
  const dir = await mkdtemp(join(tmpdir(), "np-claim-poll-"));
  const sysfsRoot = join(dir, "sys");
  for (const [name, address, type] of [
    ["lo", "00:00:00:00:00:00", "772"],
    ["eth0", mac, "1"],
  ] as const) {
    await mkdir(join(sysfsRoot, "class/net", name), { recursive: true });
    await writeFile(join(sysfsRoot, "class/net", name, "address"), `${address}\n`);
    await writeFile(join(sysfsRoot, "class/net", name, "type"), `${type}\n`);
  }
  const cpuinfoPath = join(dir, "cpuinfo");
  if ("dmi" in id) {
    await mkdir(join(sysfsRoot, "class/dmi/id"), { recursive: true });
    await writeFile(join(sysfsRoot, "class/dmi/id/product_uuid"), `${id.dmi.toUpperCase()}\n`);
    await writeFile(cpuinfoPath, "processor\t: 0\n");
  } else {
    await writeFile(cpuinfoPath, `processor\t: 0\nHardware\t: BCM2835\nSerial\t\t: ${id.serial.toUpperCase()}\n`);
  }
  return { mac, hardwareId: "dmi" in id ? id.dmi : id.serial, sysfsRoot, cpuinfoPath, dir };
}

/** An identity file of a generic image: SERVER and a CA, no ID or KEY. */
async function genericIdentityFile(box: Box, server: string): Promise<string> {
  await writeFile(join(box.dir, "ca.pem"), listener.caPem);
  const file = join(box.dir, "identity.cfg");
  await writeFile(file, `# generic image\nSERVER=${server}\nCA_PEM_FILE=ca.pem\n`);
  return file;
}

interface Pause {
  ms: number;
  resume(): void;
}

/**
 * Claim options for `box` whose waits are held: `next()` returns the wait the agent asked for once
 * it asks, and fails if the claim ended first. `watch` tells it which run to watch.
 */
function held(box: Box) {
  const lines: string[] = [];
  const asked: number[] = [];
  const pauses: Pause[] = [];
  let wake: (() => void) | undefined;
  let run: Promise<unknown> | undefined;
  const abort = new AbortController();
  running.push(abort);
  const opts: ClaimOptions = {
    sysfsRoot: box.sysfsRoot,
    cpuinfoPath: box.cpuinfoPath,
    hostname: "rack3-07",
    consolePath: join(box.dir, "tty1"),
    log: (line) => lines.push(line),
    rng: () => 0.5,
    signal: abort.signal,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        asked.push(ms);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        pauses.push({ ms, resume: resolve });
        wake?.();
      }),
  };
  return {
    opts,
    lines,
    asked,
    watch<T>(p: Promise<T>): Promise<T> {
      run = p;
      return p;
    },
    async next(): Promise<Pause> {
      const deadline = Date.now() + WAIT_MS;
      const ended = run?.then(
        (v) => ({ ended: v }),
        (e: unknown) => ({ ended: e }),
      );
      while (pauses.length === 0) {
        if (Date.now() > deadline) throw new Error(`the claim asked for no wait; log: ${lines.join(" | ")}`);
        const woke = new Promise<null>((r) => {
          wake = () => r(null);
          setTimeout(() => r(null), 250);
        });
        const out = await Promise.race([woke, ...(ended ? [ended] : [])]);
        if (out) throw new Error(`the claim ended instead of waiting: ${String(out.ended)}`);
      }
      return pauses.shift()!;
    },
    /** The codes shown so far, in order, as the operator reads them (XXXX-XXXX). */
    shown: () => lines.flatMap((l) => /Claim code: (\S{4}-\S{4})/.exec(l)?.[1] ?? []),
  };
}

async function operatorClaims(code: string, name: string): Promise<string> {
  const res = await fleet.api("POST", "/api/v1/unclaimed_devices/claim", {
    token: fleet.tokens.writer,
    body: { claim_code: code, node: { name, node_template_id: templateId } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.instance.id;
}

async function deviceOf(box: Box) {
  const res = await fleet.api("GET", `/api/v1/unclaimed_devices?mac=${box.mac}`, { token: fleet.tokens.reader });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as Record<string, unknown>[];
}

const realWait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  listener = await claimListener();
  templateId = await fleet.createTemplate("claim-polling");
}, WAIT_MS);
afterEach(() => {
  for (const a of running.splice(0)) a.abort(new Error("test over"));
});
afterAll(async () => {
  for (const l of [...listeners]) await stop(l);
  await fleet?.close();
});

describe("claimIdentity against the real listener", () => {
  it(
    "polls with the box's identity, shows the code, waits poll_after_seconds and Retry-After, and returns the claim",
    async () => {
      const box = await makeBox("02:4e:50:00:01:01", { dmi: "8d3f0c2e-1111-4222-8333-444455556666" });
      // Two polls a window from one address: the third poll spends it and hears 429 with Retry-After.
      const limited = await claimListener({ rateLimit: { polls: 2, windowMs: 6_000 } });
      const h = held(box);
      const claim = h.watch(claimIdentity({ platform_url: limited.url, ca_pem: limited.caPem }, h.opts));

      const first = await h.next();
      expect(first.ms).toBe(1000);
      // What the box said about itself, as the operator sees it.
      expect(await deviceOf(box)).toEqual([
        expect.objectContaining({
          status: "pending",
          discovered_mac: box.mac,
          discovered_dmi_uuid: box.hardwareId,
          discovered_hostname: "rack3-07",
          agent_version: AGENT_VERSION,
          architecture: expect.stringMatching(/^(amd64|arm64)$/),
        }),
      ]);
      const [code] = h.shown();
      expect(code).toMatch(/^\S{4}-\S{4}$/);
      expect(await readFile(join(box.dir, "tty1"), "utf8")).toContain(`Claim code: ${code}`);
      first.resume();

      (await h.next()).resume();
      const limitedWait = await h.next();
      // Retry-After (whole seconds within the window), not the 500 ms a first network error backs off.
      expect(limitedWait.ms % 1000).toBe(0);
      expect(limitedWait.ms).toBeGreaterThanOrEqual(1000);
      expect(limitedWait.ms).toBeLessThanOrEqual(6000);
      expect(h.lines.at(-1)).toMatch(/claim poll failed \(429 rate_limited.*\); retrying in \d+ ms/);
      const instanceId = await operatorClaims(code!, "rack3-07");
      // The window is spent until Retry-After has passed; waiting that long lets the next poll in.
      await realWait(limitedWait.ms);
      limitedWait.resume();

      const out = await claim;
      expect(out).toEqual({
        platform_url: limited.url,
        ca_pem: limited.caPem,
        instance_id: instanceId,
        bootstrap_token: expect.any(String),
      });
      expect(h.asked).toEqual([1000, 1000, limitedWait.ms]);
      // Shown once, not on every poll.
      expect(h.shown()).toEqual([code]);
      expect(h.lines.at(-1)).toBe(`claimed as instance ${instanceId}; enrolling`);
      await stop(limited);
    },
    WAIT_MS * 2,
  );

  it(
    "reads a board's cpuinfo Serial without DMI and keeps polling while the listener is away",
    async () => {
      const box = await makeBox("02:4e:50:00:01:02", { serial: "10000000a1b2c3d4" });
      const port = await freePort();
      const url = `https://127.0.0.1:${port}`;
      const h = held(box);
      const claim = h.watch(claimIdentity({ platform_url: url, ca_pem: listener.caPem }, h.opts));

      // Nothing listens yet: full-jitter backoff (rng 0.5 of the 1 s base).
      const refused = await h.next();
      expect(refused.ms).toBe(500);
      expect(h.lines.at(-1)).toMatch(/claim poll failed/);
      let away = await claimListener({ port });
      refused.resume();

      const pending = await h.next();
      expect(pending.ms).toBe(1000);
      const [code] = h.shown();
      expect(await deviceOf(box)).toEqual([expect.objectContaining({ discovered_dmi_uuid: box.hardwareId })]);
      await stop(away);
      pending.resume();

      // Gone again: the backoff starts over after the success in between, then doubles.
      const gone1 = await h.next();
      expect(gone1.ms).toBe(500);
      gone1.resume();
      const gone2 = await h.next();
      expect(gone2.ms).toBe(1000);
      away = await claimListener({ port });
      gone2.resume();

      const back = await h.next();
      expect(back.ms).toBe(1000);
      // The platform remembers the box: same code, not shown again.
      expect(h.shown()).toEqual([code]);
      const instanceId = await operatorClaims(code!, "pi-shelf-2");
      back.resume();

      expect((await claim).instance_id).toBe(instanceId);
      expect(h.asked).toEqual([500, 1000, 500, 1000, 1000]);
      await stop(away);
    },
    WAIT_MS * 2,
  );

  it(
    "shows a new code when the platform issues one (the operator took back a mistaken claim)",
    async () => {
      const box = await makeBox("02:4e:50:00:01:03", { dmi: "0b6c5a10-2222-4333-8444-555566667777" });
      const h = held(box);
      const claim = h.watch(claimIdentity({ platform_url: listener.url, ca_pem: listener.caPem }, h.opts));

      const first = await h.next();
      const [oldCode] = h.shown();
      await operatorClaims(oldCode!, "wrong-rack");
      // Forgetting the device before the box fetched its token revokes the claim; the box's next
      // poll is a first contact again, under a new code.
      const [device] = await deviceOf(box);
      const forgot = await fleet.api("DELETE", `/api/v1/unclaimed_devices/${device!.id}`, {
        token: fleet.tokens.writer,
      });
      expect(forgot.status, JSON.stringify(forgot.body)).toBe(200);
      expect(forgot.body.data).toMatchObject({ status: "claimed", token_revoked: false });
      first.resume();

      const second = await h.next();
      expect(second.ms).toBe(1000);
      const codes = h.shown();
      expect(codes).toHaveLength(2);
      expect(codes[1]).not.toBe(oldCode);
      expect(await readFile(join(box.dir, "tty1"), "utf8")).toContain(`Claim code: ${codes[1]}`);
      const instanceId = await operatorClaims(codes[1]!, "right-rack");
      second.resume();

      expect((await claim).instance_id).toBe(instanceId);
    },
    WAIT_MS * 2,
  );

  it(
    "ends on 409 already_enrolled without retrying, as enrollment refused (exit 4 from the CLI)",
    async () => {
      const box = await makeBox("02:4e:50:00:01:04", { dmi: "5e0a7b3c-3333-4444-8555-666677778888" });
      const h = held(box);
      const claim = h.watch(claimIdentity({ platform_url: listener.url, ca_pem: listener.caPem }, h.opts));
      const first = await h.next();
      const instanceId = await operatorClaims(h.shown()[0]!, "enrolled-once");
      first.resume();
      const claimed = await claim;
      const identity: IdentityRecord = {
        instance_id: claimed.instance_id,
        bootstrap_token: claimed.bootstrap_token,
        platform_url: claimed.platform_url,
        ca_bundle_pem: claimed.ca_pem,
        architecture: process.arch === "arm64" ? "arm64" : "amd64",
        source: "claim",
        discovered_at: new Date().toISOString(),
      };
      const { pki } = await enroll({ identity, paths: statePaths(join(box.dir, "state")) });
      expect(pki.meta.mtls_subject).toBe(`CN=${instanceId}`);

      // The box lost its state and polls again: the platform refuses, and it does not retry.
      const again = held(box);
      const err = await again
        .watch(claimIdentity({ platform_url: listener.url, ca_pem: listener.caPem }, again.opts))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).exitCode).toBe(EXIT.enrollmentRefused);
      expect((err as ExitError).details).toMatchObject({ status: 409, code: "conflict", reason: "already_enrolled" });
      expect(again.asked).toEqual([]);

      // The same through the real command line: discovery, the claim source, exit 4.
      const file = await genericIdentityFile(box, listener.url);
      let stderr = "";
      const code = await runCli(
        [
          "enroll",
          "--identity-file",
          file,
          "--sysfs-root",
          box.sysfsRoot,
          "--cmdline-path",
          join(box.dir, "no-cmdline"),
          "--metadata-url",
          "http://127.0.0.1:9",
          "--state-dir",
          join(box.dir, "fresh-state"),
        ],
        { stdout: () => undefined, stderr: (t) => (stderr += t), env: { NODEPILOT_CLAIM_CONSOLE: "" } },
      );
      expect(code, stderr).toBe(EXIT.enrollmentRefused);
      expect(stderr).toMatch(/claim refused: 409 conflict\/already_enrolled/);
    },
    WAIT_MS * 2,
  );
});

describe("resolveIdentity with a SERVER+CA-only identity file", () => {
  it(
    "claims after the other sources, past the discovery deadline, and the token enrolls",
    async () => {
      const box = await makeBox("02:4e:50:00:01:05", { dmi: "9a8b7c6d-4444-4555-8666-777788889999" });
      const file = await genericIdentityFile(box, listener.url);
      const h = held(box);
      const deadlineMs = 20;
      const resolving = h.watch(
        resolveIdentity({
          identityFile: file,
          cmdlinePath: join(box.dir, "no-cmdline"),
          sysfsRoot: box.sysfsRoot,
          metadataBaseUrl: "http://127.0.0.1:9",
          deadlineMs,
          claim: h.opts,
        }),
      );
      const pending = await h.next();
      // Held well past the deadline: the claim waits for a human, not for the resolver's clock.
      await realWait(deadlineMs * 5);
      const instanceId = await operatorClaims(h.shown()[0]!, "generic-1");
      pending.resume();

      const { record, reports } = await resolving;
      expect(record).toMatchObject({
        source: "claim",
        instance_id: instanceId,
        bootstrap_token: expect.any(String),
        platform_url: listener.url,
        ca_bundle_pem: listener.caPem,
      });
      expect(reports[0]).toMatchObject({ source: "files", status: "incomplete" });
      expect(reports.map((r) => r.source)).toEqual([
        "files",
        "cmdline",
        "fw_cfg",
        "aws",
        "gcp",
        "azure",
        "digitalocean",
        "claim",
      ]);
      expect(reports.at(-1)).toEqual({ source: "claim", status: "won", detail: `claimed as instance ${instanceId}` });

      const { pki } = await enroll({ identity: record, paths: statePaths(join(box.dir, "state")) });
      expect(pki.meta.mtls_subject).toBe(`CN=${instanceId}`);
      const device = (await deviceOf(box))[0]!;
      expect(device.status).toBe("enrolled");
    },
    WAIT_MS * 2,
  );
});
