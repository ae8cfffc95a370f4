import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fsverityDigest, fsverityDigestOf, normaliseFsverityHash } from "./fsverity.ts";

const pattern = (size: number, mul: number, mod: number) =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * mul) % mod));

// Expected digests printed by fsverity-utils 1.5 (`fsverity digest <file>`) for the same bytes.
const vectors: [string, Buffer, string][] = [
  ["empty", Buffer.alloc(0), "3d248ca542a24fc62d1c43b916eae5016878e2533c88238480b26128a1f1af95"],
  ["less than a block", Buffer.from("hello"), "555b589c26ee43b7a2510e6c67ced9fb3190b6da6e9e683984551f5d77a763de"],
  ["exactly one block", pattern(4096, 1, 251), "13e9b8848ae484a36acb3f3cac0ceb2f7601e96633d15c92f9bd3dd44e492157"],
  ["one byte past a block", pattern(4097, 1, 251), "b0d074abef4d544404facfab6ba242f6a8ccbde90f1325cd286f3c8aa8d0f8aa"],
  [
    "a full first tree level",
    pattern(4096 * 128, 7, 253),
    "17f752d24822a15bd6df73fcd6b7d0477447ea64f773dccfc8cd236ef6e7e01b",
  ],
  [
    "two tree levels",
    pattern(4096 * 129 + 17, 7, 253),
    "48dcf68e733a268ca961dcf6762c2ceed8cb4e3fe5c6c07632a5d4c99d72be11",
  ],
];

describe("fs-verity digest in userspace", () => {
  it.each(vectors)("%s", async (_name, bytes, want) => {
    expect(fsverityDigestOf(bytes)).toBe(want);
    const file = path.join(await mkdtemp(path.join(tmpdir(), "np-fsv-")), "blob");
    await writeFile(file, bytes);
    expect(await fsverityDigest(file)).toBe(want);
  });

  it("changes with any byte", () => {
    const a = pattern(9000, 3, 256);
    const b = Buffer.from(a);
    b[8999] = (b[8999]! + 1) % 256;
    expect(fsverityDigestOf(a)).not.toBe(fsverityDigestOf(b));
  });

  it("normalises expected values for comparison", () => {
    expect(normaliseFsverityHash(" SHA256:ABcd ")).toBe("abcd");
  });
});
