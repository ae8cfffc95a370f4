// `fetch-module <digest>` and the fetch step of every attach (spec/agent.md §8, check 1): stream
// GET /modules/<digest> into the cache, hashing while streaming, with a 60 s no-progress guard. A
// mismatch deletes the temp file and is a verification failure (exit 2). A blob already in the cache
// is re-hashed before it is reused; one that no longer matches its name is deleted and fetched again.
// The remaining checks (delivery statement, publisher signature, fs-verity) are verify-module.ts.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PlatformClient } from "./client/platform-client.ts";
import { EXIT, ExitError } from "./exit-codes.ts";

const NO_PROGRESS_MS = 60_000;

export interface FetchedBlob {
  path: string;
  size_bytes: number;
  digest: string;
}

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new ExitError(EXIT.usage, `digest must be sha256:<64 lowercase hex>, got ${digest}`);
  return m[1]!;
}

/** Where the cache keeps a digest's verified bytes: `<cache>/<hex>.erofs`. */
export const cachedBlobPath = (cacheDir: string, digest: string) => path.join(cacheDir, `${hexOf(digest)}.erofs`);

export async function fetchModule(
  client: PlatformClient,
  cacheDir: string,
  digest: string,
  signal?: AbortSignal,
): Promise<FetchedBlob> {
  const hex = hexOf(digest);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const final = cachedBlobPath(cacheDir, digest);
  const tmp = path.join(cacheDir, `.${hex}.${randomBytes(4).toString("hex")}.part`);
  const hash = createHash("sha256");
  let size = 0;
  const controller = new AbortController();
  const stalled = () => controller.abort(new Error(`no progress for ${NO_PROGRESS_MS / 1000} s`));
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  let guard = setTimeout(stalled, NO_PROGRESS_MS);
  try {
    const res = await client.transport.openStream(`/modules/${digest}`, { signal: controller.signal });
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        clearTimeout(guard);
        guard = setTimeout(stalled, NO_PROGRESS_MS);
        cb(null, chunk);
      },
    });
    await pipeline(res, meter, createWriteStream(tmp, { mode: 0o600 }), { signal: controller.signal });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    clearTimeout(guard);
    signal?.removeEventListener("abort", onAbort);
  }
  const actual = hash.digest("hex");
  if (actual !== hex) {
    await rm(tmp, { force: true });
    throw new ExitError(
      EXIT.verificationFailed,
      `digest mismatch: downloaded sha256:${actual}, expected ${digest}; temp file deleted`,
    );
  }
  await rename(tmp, final);
  return { path: final, size_bytes: size, digest };
}

/** The cached blob for `digest` if its bytes still hash to it (a bad copy is deleted); else fetched. */
export async function ensureCachedBlob(
  client: PlatformClient,
  cacheDir: string,
  digest: string,
  signal?: AbortSignal,
): Promise<FetchedBlob> {
  const file = cachedBlobPath(cacheDir, digest);
  const info = await stat(file).catch(() => undefined);
  if (info?.isFile()) {
    const h = createHash("sha256");
    await pipeline(createReadStream(file, { signal }), h);
    if (`sha256:${h.digest("hex")}` === digest) return { path: file, size_bytes: info.size, digest };
    await rm(file, { force: true });
  }
  return fetchModule(client, cacheDir, digest, signal);
}
