// The content-addressed blob store and GET /agent/v1/modules/:digest over mTLS: verified writes,
// verified reads (a rotted file is refused and removed), Range requests, and 404 for absent blobs.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type EnrolledAgent, enrollAgent, startTestAgentApi, tlsRequest } from "./agent-test-client.ts";
import { BlobStore, parseRange } from "./blob-store.ts";

const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("BlobStore", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "nodepilot-blobs-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("stores by sha256 and refuses content that does not match the expected digest", async () => {
    const store = new BlobStore(dir);
    expect(await store.put(Readable.from([bytes]))).toBe(digestOf(bytes));
    const wrong = `sha256:${"0".repeat(64)}`;
    await expect(store.put(Readable.from([Buffer.from("other")]), wrong)).rejects.toMatchObject({
      code: "invalid_input",
      reason: "digest_mismatch",
    });
    expect(existsSync(join(dir, "blobs", "sha256", "0".repeat(64)))).toBe(false);
  });

  it("refuses and removes a blob whose bytes no longer match its name", async () => {
    const store = new BlobStore(dir);
    const d = await store.put(Readable.from([Buffer.from("soon rotten")]));
    writeFileSync(store.pathOf(d), "tampered");
    await expect(store.get(d)).rejects.toMatchObject({ code: "not_found", reason: "blob_corrupt" });
    expect(existsSync(store.pathOf(d))).toBe(false);
  });

  it("parses single byte ranges", () => {
    expect(parseRange("bytes=0-99")).toEqual({ start: 0, end: 99 });
    expect(parseRange("bytes=100-")).toEqual({ start: 100 });
    expect(parseRange("bytes=-10")).toEqual({ end: 10 });
    expect(parseRange("bytes=0-1,5-6")).toBeUndefined();
    expect(parseRange(undefined)).toBeUndefined();
  });
});

describe("GET /agent/v1/modules/:digest", () => {
  let fleet: TestFleet;
  let agent: EnrolledAgent;
  let digest: string;
  const get = (path: string, headers: Record<string, string> = {}, client = true) => {
    const api = fleet.runtime.agentApi!;
    return tlsRequest(api.url, api.caPem, "GET", `/agent/v1/modules/${path}`, {
      headers,
      ...(client ? { client: agent.client } : {}),
    });
  };

  beforeAll(async () => {
    fleet = await createTestFleet({ startRunners: false });
    const api = await startTestAgentApi(fleet);
    agent = await enrollAgent(fleet);
    digest = await api.blobs.put(Readable.from([bytes]));
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("streams the verified bytes to an authenticated agent only", async () => {
    const res = await get(digest, { "x-request-id": "blob-1" });
    expect(res.status).toBe(200);
    expect(res.headers["accept-ranges"]).toBe("bytes");
    // The route returns its own Response; the request id still rides on it.
    expect(res.headers["x-request-id"]).toBe("blob-1");
    expect(digestOf(res.raw)).toBe(digest);
    expect((await get(digest, {}, false)).status).toBe(401);
  });

  it("serves a byte range with 206 and refuses an unsatisfiable one with 416", async () => {
    const part = await get(digest, { range: "bytes=100-199" });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 100-199/${bytes.length}`);
    expect(part.raw.equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await get(digest, { range: "bytes=9990-" });
    expect(tail.raw.equals(bytes.subarray(9990))).toBe(true);
    const beyond = await get(digest, { range: "bytes=20000-" });
    expect(beyond.status).toBe(416);
  });

  it("answers 404 for an absent blob and 400 for a malformed digest", async () => {
    const absent = await get(`sha256:${"1".repeat(64)}`);
    expect(absent.status).toBe(404);
    expect(absent.body.code).toBe("not_found");
    const bad = await get("md5:abc");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("digest");
  });
});
