import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient } from "./client/platform-client.ts";
import { EXIT } from "./exit-codes.ts";
import { cachedBlobPath, ensureCachedBlob, fetchModule } from "./fetch-module.ts";
import { type HttpsFixture, startHttpsFixture } from "./testing/https-fixture.ts";
import { createTestPki, type TestPki } from "./testing/pki-fixture.ts";

const good = Buffer.from("module bytes ".repeat(500));
const digest = `sha256:${createHash("sha256").update(good).digest("hex")}`;

let pki: TestPki;
let server: HttpsFixture | undefined;
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A platform stand-in that answers GET /modules/<digest> with `bytes`. */
async function serving(bytes: Buffer) {
  server = await startHttpsFixture(pki, (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(bytes.length) });
    res.end(bytes);
  });
  return new PlatformClient({ platformUrl: server.url, caBundlePem: pki.caPem, agentVersion: "test" });
}

describe("fetchModule (check 1)", () => {
  it("keeps bytes that hash to the digest", async () => {
    const cache = await mkdtemp(path.join(tmpdir(), "np-fetch-"));
    const client = await serving(good);
    const out = await fetchModule(client, cache, digest);
    expect(out).toEqual({ path: cachedBlobPath(cache, digest), size_bytes: good.length, digest });
    expect(readFileSync(out.path).equals(good)).toBe(true);
    expect(server!.requests.map((r) => r.url)).toEqual([`/agent/v1/modules/${digest}`]);
    client.close();
  });

  it("refuses bytes tampered in transit as a verification failure and deletes the temp file", async () => {
    const cache = await mkdtemp(path.join(tmpdir(), "np-fetch-"));
    const evil = Buffer.from(good);
    evil[7] = evil[7]! ^ 1;
    const client = await serving(evil);
    await expect(fetchModule(client, cache, digest)).rejects.toMatchObject({
      exitCode: EXIT.verificationFailed,
      message: expect.stringContaining("digest mismatch"),
    });
    expect(readdirSync(cache)).toEqual([]);
    client.close();
  });

  it("reuses a cached copy that still matches, and replaces one that rotted", async () => {
    const cache = await mkdtemp(path.join(tmpdir(), "np-fetch-"));
    const client = await serving(good);
    await fetchModule(client, cache, digest);
    await ensureCachedBlob(client, cache, digest);
    expect(server!.requests).toHaveLength(1);
    await writeFile(cachedBlobPath(cache, digest), "rotten");
    const again = await ensureCachedBlob(client, cache, digest);
    expect(server!.requests).toHaveLength(2);
    expect(readFileSync(again.path).equals(good)).toBe(true);
    client.close();
  });
});
