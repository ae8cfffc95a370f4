// The agent's module download (spec/agent.md §3 blob downloads, §8 check 1), its own fetch code in
// process, against the real mTLS agent listener and blob store of a test fleet: a full download is
// verified and lands in the cache; a connection cut short resumes with Range from the bytes already
// on disk; a transfer that stops delivering trips the no-progress guard; bytes that change on the
// platform's disk after it verified them are refused and the temp file deleted; an unknown digest
// is the platform's 404; a cached copy that still hashes to its name is reused without the network.
// Network faults come from a TCP relay in front of the listener: TLS stays end to end, the relay
// only forwards (or withholds) bytes.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, open, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  AGENT_VERSION,
  cachedBlobPath,
  EXIT,
  ensureCachedBlob,
  fetchModule,
  PlatformClient,
  PlatformProblemError,
} from "@nodepilot/agent";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EnrolledAgent, enrollAgent } from "../agent-api/agent-test-client.ts";
import { digestOf } from "../agent-api/delivery-fixtures.ts";
import type { AgentListener } from "../agent-api/listener.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type FaultyRelay, faultyRelay } from "./agent-fixture.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

let fleet: TestFleet;
let listener: AgentListener;
let agent: EnrolledAgent;
const clients: PlatformClient[] = [];
const relays: FaultyRelay[] = [];

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  listener = await fleet.runtime.startAgentApi(0);
  agent = await enrollAgent(fleet);
}, 60_000);
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of relays.splice(0)) await r.close();
});
afterAll(async () => {
  await fleet?.close();
});

/** The enrolled agent's mTLS client, aimed at the listener or at a relay in front of it. */
function clientAt(url = listener.url): PlatformClient {
  const client = new PlatformClient({
    platformUrl: url,
    caBundlePem: listener.caPem,
    agentVersion: AGENT_VERSION,
    credentials: { keyPem: agent.client.key, certPem: agent.client.cert },
  });
  clients.push(client);
  return client;
}

async function relay(): Promise<FaultyRelay> {
  const r = await faultyRelay(listener);
  relays.push(r);
  return r;
}

/** Random bytes put into the platform's blob store (which hashes them on the way in). */
async function storedBlob(size: number): Promise<{ bytes: Buffer; digest: string }> {
  const bytes = randomBytes(size);
  const digest = await listener.blobs.put(Readable.from(bytes), digestOf(bytes));
  return { bytes, digest };
}

const emptyCache = () => mkdtemp(path.join(tmpdir(), "np-fetch-"));

describe("fetchModule against the agent listener", () => {
  it("downloads the blob, verifies it while streaming and keeps it under its digest", async () => {
    const { bytes, digest } = await storedBlob(MiB + 17);
    const cache = await emptyCache();
    const out = await fetchModule(clientAt(), cache, digest);
    expect(out).toEqual({ path: cachedBlobPath(cache, digest), size_bytes: bytes.length, digest });
    expect(readFileSync(out.path).equals(bytes)).toBe(true);
    // The temp file was renamed into place, not left beside it.
    expect(readdirSync(cache)).toEqual([path.basename(out.path)]);
  });

  it("resumes with Range after the connection is cut, so each byte crosses the network once", async () => {
    const { bytes, digest } = await storedBlob(MiB);
    const faulty = await relay();
    // No connection survives 256 KiB: a download that started over each time could never finish.
    faulty.cutEachAfter(256 * KiB);
    const cache = await emptyCache();
    const out = await fetchModule(clientAt(faulty.url), cache, digest);
    expect(readFileSync(out.path).equals(bytes)).toBe(true);
    expect(out.size_bytes).toBe(bytes.length);
    expect(faulty.connections).toBeGreaterThanOrEqual(5);
    // On top of the blob, per connection: its TLS handshake and headers, and the partial TLS record
    // (at most 16 KiB) the cut destroyed. Nothing is fetched twice.
    expect(faulty.forwarded).toBeLessThan(bytes.length + faulty.connections * 32 * KiB);
    expect(readdirSync(cache)).toEqual([path.basename(out.path)]);
  });

  it("gives up on a transfer that stops delivering, after the resume gets no answer either", async () => {
    const { digest } = await storedBlob(4 * MiB);
    const faulty = await relay();
    faulty.holdAfter(512 * KiB);
    const cache = await emptyCache();
    // Without the no-progress guard the first transfer would wait on the held bytes forever; the
    // resume it leads to gets no response headers through the held relay.
    const tuning = { noProgressMs: 1_000, headersTimeoutMs: 1_000 };
    await expect(fetchModule(clientAt(faulty.url), cache, digest, undefined, tuning)).rejects.toThrow(
      `GET /modules/${digest}: no response headers within 1000 ms`,
    );
    expect(faulty.forwarded).toBe(512 * KiB);
    expect(faulty.connections).toBeGreaterThanOrEqual(2);
    expect(readdirSync(cache)).toEqual([]);
  });

  it("refuses bytes that changed on the platform's disk after it verified them, deleting the temp file", async () => {
    // Large enough that the last byte is still on disk, not in socket buffers, when the relay holds.
    const { digest } = await storedBlob(64 * MiB);
    const faulty = await relay();
    faulty.holdAfter(MiB);
    const cache = await emptyCache();
    const fetching = fetchModule(clientAt(faulty.url), cache, digest);
    const settled = fetching.catch((err: unknown) => err);
    await faulty.held();
    // The platform hashed the file before answering; flip its last byte in place while it streams.
    const blob = await open(listener.blobs.pathOf(digest), "r+");
    const last = Buffer.alloc(1);
    await blob.read(last, 0, 1, 64 * MiB - 1);
    last[0] = last[0]! ^ 1;
    await blob.write(last, 0, 1, 64 * MiB - 1);
    await blob.close();
    faulty.release();
    const err = await settled;
    expect(err).toMatchObject({
      exitCode: EXIT.verificationFailed,
      message: expect.stringMatching(/^digest mismatch: downloaded sha256:[0-9a-f]{64}, expected /),
    });
    expect((err as Error).message).toContain(`expected ${digest}; temp file deleted`);
    expect(readdirSync(cache)).toEqual([]);
  });

  it("reports a digest the platform does not have as its 404, leaving nothing in the cache", async () => {
    const digest = digestOf(randomBytes(64));
    const cache = await emptyCache();
    const err = await fetchModule(clientAt(), cache, digest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformProblemError);
    expect(err).toMatchObject({ status: 404, code: "not_found", message: expect.stringContaining(digest) });
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe("ensureCachedBlob", () => {
  it("reuses a cached copy that still matches without the network, and refetches one that rotted", async () => {
    const { bytes, digest } = await storedBlob(256 * KiB);
    const faulty = await relay();
    const viaRelay = clientAt(faulty.url);
    const cache = await emptyCache();
    const first = await ensureCachedBlob(viaRelay, cache, digest);
    expect(readFileSync(first.path).equals(bytes)).toBe(true);
    // With the platform out of reach, the verified copy is all there is.
    await faulty.close();
    expect(await ensureCachedBlob(viaRelay, cache, digest)).toEqual(first);

    await writeFile(first.path, "rotten");
    // The rotten copy is deleted before the refetch, which fails while the platform is away ...
    await expect(ensureCachedBlob(viaRelay, cache, digest)).rejects.toThrow(/ECONNREFUSED/);
    expect(readdirSync(cache)).toEqual([]);
    // ... and brings the real bytes back once it is reachable.
    const again = await ensureCachedBlob(clientAt(), cache, digest);
    expect(again).toEqual(first);
    expect(readFileSync(again.path).equals(bytes)).toBe(true);
  });
});
