// collect_facts: what the node really is, from node:os, /proc and statfs of the state directory.
import { readFile, statfs } from "node:fs/promises";
import os from "node:os";
import { z } from "zod";
import { agentArchitecture } from "../version.ts";
import { defineHandler } from "./handler.ts";
import { attachedModules } from "./modules.ts";

async function osName(): Promise<string> {
  const text = await readFile("/etc/os-release", "utf8").catch(() => null);
  const pretty = text?.match(/^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m);
  return (pretty?.[1] ?? pretty?.[2] ?? `${os.type()} ${os.release()}`).slice(0, 255);
}

/** Filesystem type and mountpoint of the filesystem holding `dir`, from /proc/self/mounts. */
async function mountOf(
  dir: string,
): Promise<{ mountpoint: string | null; fs_type: string | null; device: string | null }> {
  const text = await readFile("/proc/self/mounts", "utf8").catch(() => "");
  let best: { mountpoint: string; fs_type: string; device: string } | null = null;
  for (const line of text.split("\n")) {
    const [device, mountpoint, fsType] = line.split(" ");
    if (!device || !mountpoint || !fsType) continue;
    const mp = mountpoint.replace(/\\040/g, " ");
    const inside = dir === mp || dir.startsWith(mp.endsWith("/") ? mp : `${mp}/`);
    if (inside && (!best || mp.length >= best.mountpoint.length)) best = { mountpoint: mp, fs_type: fsType, device };
  }
  return { mountpoint: best?.mountpoint ?? null, fs_type: best?.fs_type ?? null, device: best?.device ?? null };
}

export async function collectFacts(workDir: string, modulesDir: string) {
  const cpus = os.cpus();
  const fs = await statfs(workDir);
  const mount = await mountOf(workDir);
  const interfaces = Object.entries(os.networkInterfaces()).map(([name, addrs]) => ({
    name: name.slice(0, 64),
    mac: addrs?.find((a) => a.mac && a.mac !== "00:00:00:00:00:00")?.mac ?? null,
    addresses: (addrs ?? []).map((a) => a.address).slice(0, 64),
    // node:os lists only interfaces that have an address, i.e. configured ones.
    up: (addrs ?? []).length > 0,
  }));
  const modules = await attachedModules(modulesDir);
  return {
    hostname: os.hostname().slice(0, 253) || "localhost",
    kernel: os.release().slice(0, 255),
    os: await osName(),
    cpu: {
      model: (cpus[0]?.model ?? "unknown").slice(0, 255),
      cores: Math.max(1, cpus.length),
      architecture: agentArchitecture(),
    },
    memory_mb: Math.floor(os.totalmem() / (1024 * 1024)),
    disks: [
      {
        name: (mount.device ?? workDir).slice(0, 255),
        size_bytes: fs.blocks * fs.bsize,
        mountpoint: mount.mountpoint,
        fs_type: mount.fs_type,
      },
    ],
    interfaces: interfaces.slice(0, 256),
    modules: modules.map((m) => ({
      module_id: m.module_id,
      module_version_id: m.version_id,
      digest: m.digest,
      mounted: true,
    })),
  };
}

export const collectFactsHandler = defineHandler({
  command: "collect_facts",
  payload: z.strictObject({}),
  idempotent: true,
  run: async ({ paths }) => collectFacts(paths.root, paths.modules),
});
