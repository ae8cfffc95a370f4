// The boot id reported in heartbeats (spec/agent.md §5). A sandboxed agent (local provider) is
// given its sandbox's boot-id file, which a sandbox "reboot" rewrites; a real node uses the
// kernel's; without either, one is generated per process start and persisted for `status`.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../state/atomic.ts";

export const KERNEL_BOOT_ID = "/proc/sys/kernel/random/boot_id";

export async function readBootId(opts: {
  bootIdFile?: string;
  kernelPath?: string;
  fallbackFile: string;
}): Promise<string> {
  for (const file of [opts.bootIdFile, opts.kernelPath ?? KERNEL_BOOT_ID]) {
    if (!file) continue;
    const text = await readFile(file, "utf8").catch(() => null);
    const id = text?.trim();
    if (id) return id.slice(0, 64);
  }
  const generated = randomUUID();
  await writeFileAtomic(opts.fallbackFile, `${generated}\n`);
  return generated;
}
