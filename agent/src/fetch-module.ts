// `fetch-module <digest>` and the fetch step of every attach (spec/agent.md §3, §8 check 1): stream
// GET /modules/<digest> into the cache, hashing while streaming, with 120 s to the response headers
// and a 60 s no-progress guard on the body. A
// transfer cut short after making progress resumes with `Range` from the bytes already on disk; a
// platform that answers a resume with the whole blob starts the file over. A mismatch deletes the
// temp file and is a verification failure (exit 2). A blob already in the cache is re-hashed before
// it is reused; one that no longer matches its name is deleted and fetched again. The remaining
// checks (delivery statement, publisher signature, fs-verity) are verify-module.ts.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { PlatformNetworkError, PlatformProblemError } from "./client/errors.ts";
import type { PlatformClient } from "./client/platform-client.ts";
import { EXIT, ExitError } from "./exit-codes.ts";

const HEADERS_TIMEOUT_MS = 120_000;
const NO_PROGRESS_MS = 60_000;

export interface FetchedBlob {
  path: string;
  size_bytes: number;
  digest: string;
}

/** Overrides of the spec's download timings, so tests can exercise them in milliseconds. */
export interface FetchTuning {
  /** Give up on a request that has no response headers after this long (default 120 s). */
  headersTimeoutMs?: number;
  /** Abort a transfer whose body delivers no byte for this long (default 60 s). */
  noProgressMs?: number;
}

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new ExitError(EXIT.usage, `digest must be sha256:<64 lowercase hex>, got ${digest}`);
  return m[1]!;
}

/** Where the cache keeps a digest's verified bytes: `<cache>/<hex>.erofs`. */
export const cachedBlobPath = (cacheDir: string, digest: string) => path.join(cacheDir, `${hexOf(digest)}.erofs`);

/** The connection failed or stalled: worth resuming if it delivered bytes first. */
class Interrupted extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/** Whether a 206 continues exactly at `offset` (`Content-Range: bytes <offset>-…`). */
function continuesAt(res: IncomingMessage, offset: number): boolean {
  const range = /^bytes (\d+)-\d+\/\d+$/.exec(res.headers["content-range"] ?? "");
  return res.statusCode === 206 && range !== null && Number(range[1]) === offset;
}

export async function fetchModule(
  client: PlatformClient,
  cacheDir: string,
  digest: string,
  signal?: AbortSignal,
  tuning: FetchTuning = {},
): Promise<FetchedBlob> {
  const hex = hexOf(digest);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const final = cachedBlobPath(cacheDir, digest);
  const tmp = path.join(cacheDir, `.${hex}.${randomBytes(4).toString("hex")}.part`);
  const file = await open(tmp, "wx", 0o600);
  // Hash and size only ever cover bytes already written, so a resume continues from exactly them.
  const state = { hash: createHash("sha256"), size: 0 };
  try {
    for (;;) {
      signal?.throwIfAborted();
      const before = state.size;
      try {
        await transfer(client, digest, file, state, tuning, signal);
        break;
      } catch (err) {
        if (!(err instanceof Interrupted)) throw err;
        // A cancelled fetch, or an attempt that got nowhere, ends here; the caller's retry policy
        // decides what happens next.
        if (signal?.aborted || state.size === before) throw err.cause;
      }
    }
    await file.close();
  } catch (err) {
    await file.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  const actual = state.hash.digest("hex");
  if (actual !== hex) {
    await rm(tmp, { force: true });
    throw new ExitError(
      EXIT.verificationFailed,
      `digest mismatch: downloaded sha256:${actual}, expected ${digest}; temp file deleted`,
    );
  }
  await rename(tmp, final);
  return { path: final, size_bytes: state.size, digest };
}

/**
 * One GET of the blob from `state.size` on, appended to `file`. Network failures and stalls are
 * thrown as Interrupted; an HTTP answer other than the bytes (404, 403 …) and disk errors as they are.
 */
async function transfer(
  client: PlatformClient,
  digest: string,
  file: FileHandle,
  state: { hash: ReturnType<typeof createHash>; size: number },
  tuning: FetchTuning,
  signal: AbortSignal | undefined,
): Promise<void> {
  const noProgressMs = tuning.noProgressMs ?? NO_PROGRESS_MS;
  const controller = new AbortController();
  let stall: Error | undefined;
  const stalled = () => {
    stall = new Error(`no progress for ${noProgressMs / 1000} s downloading ${digest}`);
    controller.abort(stall);
  };
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  // The guard starts with the body: until the headers, the transport's 120 s limit applies.
  let guard: NodeJS.Timeout | undefined;
  let res: IncomingMessage | undefined;
  try {
    try {
      res = await client.transport.openStream(`/modules/${digest}`, {
        signal: controller.signal,
        headersTimeoutMs: tuning.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
        ...(state.size > 0 ? { headers: { Range: `bytes=${state.size}-` } } : {}),
      });
    } catch (err) {
      // Everything was already on disk when the connection dropped: nothing is left to send.
      if (err instanceof PlatformProblemError && err.status === 416 && state.size > 0) return;
      if (err instanceof PlatformNetworkError) throw new Interrupted(err);
      throw err;
    }
    guard = setTimeout(stalled, noProgressMs);
    if (state.size > 0 && !continuesAt(res, state.size)) {
      // The platform sent the whole blob (or another range): start the file over.
      state.hash = createHash("sha256");
      state.size = 0;
      await file.truncate(0);
    }
    const chunks = res[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw new Interrupted(stall ?? (err as Error));
      }
      if (next.done) break;
      clearTimeout(guard);
      guard = setTimeout(stalled, noProgressMs);
      const chunk = next.value;
      await file.write(chunk, 0, chunk.length, state.size);
      state.hash.update(chunk);
      state.size += chunk.length;
    }
  } finally {
    clearTimeout(guard);
    signal?.removeEventListener("abort", onAbort);
    res?.destroy();
  }
}

/** The cached blob for `digest` if its bytes still hash to it (a bad copy is deleted); else fetched. */
export async function ensureCachedBlob(
  client: PlatformClient,
  cacheDir: string,
  digest: string,
  signal?: AbortSignal,
  tuning: FetchTuning = {},
): Promise<FetchedBlob> {
  const file = cachedBlobPath(cacheDir, digest);
  const info = await stat(file).catch(() => undefined);
  if (info?.isFile()) {
    const h = createHash("sha256");
    await pipeline(createReadStream(file, { signal }), h);
    if (`sha256:${h.digest("hex")}` === digest) return { path: file, size_bytes: info.size, digest };
    await rm(file, { force: true });
  }
  return fetchModule(client, cacheDir, digest, signal, tuning);
}
