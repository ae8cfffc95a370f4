// The fs-verity file digest computed in userspace (spec/agent.md §8 check 4), for kernels or
// filesystems without fs-verity: the Merkle tree over 4096-byte blocks with SHA-256 and no salt,
// then the digest of the fs-verity descriptor — the value `fsverity digest` / `fsverity measure`
// print, so the same expected hash serves both paths.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

const BLOCK = 4096;
const HASH = 32;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest();

/** Hashes of `data` cut into blocks, the last one zero-padded. */
function hashBlocks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += BLOCK) {
    const block = data.subarray(at, at + BLOCK);
    out.push(
      block.length === BLOCK ? sha256(block) : sha256(Buffer.concat([block, ZERO_BLOCK.subarray(block.length)])),
    );
  }
  return out;
}

/** The Merkle root of a file of `size` bytes whose data-block hashes are `level0`. */
function merkleRoot(level0: Buffer[], size: number): Buffer {
  if (size === 0) return Buffer.alloc(HASH);
  let level = level0;
  // One data block: its hash is the root. Otherwise pack hashes into blocks until one remains.
  while (level.length > 1) level = hashBlocks(Buffer.concat(level));
  return level[0]!;
}

/** The 256-byte `struct fsverity_descriptor` (version 1, SHA-256, 4 KiB blocks, no salt). */
function descriptor(root: Buffer, size: number): Buffer {
  const d = Buffer.alloc(256);
  d.writeUInt8(1, 0); // version
  d.writeUInt8(1, 1); // FS_VERITY_HASH_ALG_SHA256
  d.writeUInt8(12, 2); // log2(4096)
  d.writeUInt8(0, 3); // salt_size
  d.writeBigUInt64LE(BigInt(size), 8);
  root.copy(d, 16);
  return d;
}

/** The fs-verity digest of `bytes` (hex). */
export function fsverityDigestOf(bytes: Buffer): string {
  return sha256(descriptor(merkleRoot(hashBlocks(bytes), bytes.length), bytes.length)).toString("hex");
}

/** The fs-verity digest of the file at `file` (hex), streaming: memory grows by 32 bytes per 4 KiB. */
export async function fsverityDigest(file: string, signal?: AbortSignal): Promise<string> {
  const level0: Buffer[] = [];
  let size = 0;
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * BLOCK, signal })) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    size += (chunk as Buffer).length;
    const whole = buf.length - (buf.length % BLOCK);
    for (let at = 0; at < whole; at += BLOCK) level0.push(sha256(buf.subarray(at, at + BLOCK)));
    carry = Buffer.from(buf.subarray(whole));
  }
  if (carry.length > 0) level0.push(...hashBlocks(carry));
  return sha256(descriptor(merkleRoot(level0, size), size)).toString("hex");
}

/** The comparable form of an expected root hash: lower-case hex without a `sha256:` prefix. */
export const normaliseFsverityHash = (value: string) =>
  value
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, "");
