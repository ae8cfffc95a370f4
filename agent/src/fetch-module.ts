// `fetch-module <digest>` (spec/agent.md §8, check 1): stream GET /modules/<digest> into the
// cache, hashing while streaming, with a 60 s no-progress guard. A mismatch deletes the temp file
// and is a verification failure (exit 2). Signature, delivery-statement and fs-verity checks
// (§8 checks 2–4) are not part of this agent yet, so the blob is cached but never mounted.
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PlatformClient } from "./client/platform-client.ts";
import { EXIT, ExitError } from "./exit-codes.ts";

const NO_PROGRESS_MS = 60_000;

export async function fetchModule(
  client: PlatformClient,
  cacheDir: string,
  digest: string,
): Promise<{ path: string; size_bytes: number; digest: string }> {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new ExitError(EXIT.usage, `digest must be sha256:<64 lowercase hex>, got ${digest}`);
  const hex = m[1]!;
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const final = path.join(cacheDir, `${hex}.erofs`);
  const tmp = path.join(cacheDir, `.${hex}.${randomBytes(4).toString("hex")}.part`);
  const hash = createHash("sha256");
  let size = 0;
  const controller = new AbortController();
  let guard = setTimeout(
    () => controller.abort(new Error(`no progress for ${NO_PROGRESS_MS / 1000} s`)),
    NO_PROGRESS_MS,
  );
  const res = await client.transport.openStream(`/modules/${digest}`, { signal: controller.signal });
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      clearTimeout(guard);
      guard = setTimeout(
        () => controller.abort(new Error(`no progress for ${NO_PROGRESS_MS / 1000} s`)),
        NO_PROGRESS_MS,
      );
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, meter, createWriteStream(tmp, { mode: 0o600 }), { signal: controller.signal });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    clearTimeout(guard);
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
