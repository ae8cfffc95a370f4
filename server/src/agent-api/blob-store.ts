// Content-addressed module blobs under `<data dir>/blobs/sha256/<hex>` (spec/agent.md §8). Bytes are
// hashed on the way in (a mismatch never lands) and again before they are served, so a file that
// rotted or was tampered with on disk is refused instead of streamed.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@nodepilot/core";

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export interface BlobRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface BlobRead {
  size: number;
  stream: Readable;
  range: BlobRange | undefined;
}

export function parseDigest(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) {
    throw new AppError("invalid_input", "digest must be sha256:<64 lowercase hex>", {
      errors: [{ path: "digest", message: "must be sha256:<64 lowercase hex>" }],
    });
  }
  return m[1]!;
}

async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(path), h);
  return h.digest("hex");
}

export class BlobStore {
  readonly #dir: string;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, "blobs", "sha256");
  }

  pathOf(digest: string): string {
    return join(this.#dir, parseDigest(digest));
  }

  /** Store a stream; returns its digest. With `expected`, a mismatch is refused and nothing is kept. */
  async put(input: Readable, expected?: string): Promise<string> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.#dir, `.tmp-${randomUUID()}`);
    const h = createHash("sha256");
    const fh = await open(tmp, "wx", 0o600);
    try {
      for await (const chunk of input) {
        const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
        h.update(buf);
        await fh.write(buf);
      }
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const digest = `sha256:${h.digest("hex")}`;
    if (expected !== undefined && expected !== digest) {
      await rm(tmp, { force: true });
      throw new AppError("invalid_input", `blob content hashes to ${digest}, not ${expected}`, {
        reason: "digest_mismatch",
        errors: [{ path: "digest", message: "content does not match" }],
      });
    }
    await rename(tmp, this.pathOf(digest));
    return digest;
  }

  /**
   * Open a verified blob, optionally a byte range of it. The whole file is hashed first: a blob
   * whose bytes no longer match its name is deleted and reported as absent.
   */
  async get(digest: string, range?: { start?: number; end?: number }): Promise<BlobRead> {
    const hex = parseDigest(digest);
    const path = join(this.#dir, hex);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new AppError("not_found", `module blob ${digest} was not found`);
    if ((await hashFile(path)) !== hex) {
      await rm(path, { force: true });
      throw new AppError("not_found", `module blob ${digest} was not found`, { reason: "blob_corrupt" });
    }
    const size = info.size;
    if (!range) return { size, stream: createReadStream(path), range: undefined };
    const start = range.start ?? (range.end === undefined ? 0 : Math.max(0, size - range.end));
    const end = range.start === undefined ? size - 1 : Math.min(range.end ?? size - 1, size - 1);
    if (start >= size || start > end) {
      throw new AppError("invalid_input", `range not satisfiable for a blob of ${size} bytes`, {
        reason: "range_not_satisfiable",
        details: { size },
      });
    }
    return { size, stream: createReadStream(path, { start, end }), range: { start, end } };
  }
}

/** Parse a single `bytes=a-b`, `bytes=a-` or suffix `bytes=-n` Range header; anything else is ignored. */
export function parseRange(header: string | undefined): { start?: number; end?: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") return { end: Number(m[2]) };
  return { start: Number(m[1]), ...(m[2] === "" ? {} : { end: Number(m[2]) }) };
}
