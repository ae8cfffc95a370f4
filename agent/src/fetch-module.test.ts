// What fetch-module decides before any request. The downloads themselves (full, resumed, stalled,
// tampered, unknown digest, cache reuse) run against the real agent listener in
// server/src/e2e/fetch-module.test.ts.
import { readdirSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PlatformClient } from "./client/platform-client.ts";
import { EXIT } from "./exit-codes.ts";
import { cachedBlobPath, ensureCachedBlob, fetchModule } from "./fetch-module.ts";

const hex = "ab".repeat(32);

describe("fetch-module", () => {
  it("keeps a blob as <cache>/<hex>.erofs", () => {
    expect(cachedBlobPath("/persist/cache/modules", `sha256:${hex}`)).toBe(`/persist/cache/modules/${hex}.erofs`);
  });

  it.each([`sha256:${hex.toUpperCase()}`, `sha512:${hex}`, hex, `sha256:${hex.slice(1)}`, "sha256:../../etc/passwd"])(
    "refuses the digest %s as a usage error before any request or file",
    async (digest) => {
      const cache = await mkdtemp(path.join(tmpdir(), "np-fetch-"));
      // Nothing listens here; a request would fail with a network error, not the usage error.
      const client = new PlatformClient({ platformUrl: "https://127.0.0.1:9", caBundlePem: "", agentVersion: "test" });
      for (const run of [fetchModule, ensureCachedBlob]) {
        await expect(run(client, cache, digest)).rejects.toMatchObject({
          exitCode: EXIT.usage,
          message: expect.stringContaining(`got ${digest}`),
        });
      }
      expect(readdirSync(cache)).toEqual([]);
      client.close();
    },
  );
});
