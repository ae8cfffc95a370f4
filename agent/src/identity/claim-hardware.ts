// What a box with a generic image can say about itself when it asks to be claimed (spec/agent.md
// §2, source 8): `mac` is eth0's, else the alphabetically first non-loopback interface's; `dmi_uuid`
// is the firmware's product UUID, else the `Serial` line of /proc/cpuinfo (Raspberry Pi and other
// boards without DMI). Paths are injectable so tests read fixture trees.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

export const DEFAULT_CPUINFO_PATH = "/proc/cpuinfo";
const ARPHRD_LOOPBACK = 772;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const ZERO_MAC = "00:00:00:00:00:00";

async function readTrimmed(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Missing, or root-only (product_uuid is 0400): fall through to the next candidate.
    if (code === "ENOENT" || code === "EACCES" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/** The interface's MAC, or undefined for loopback and interfaces without a usable address. */
async function interfaceMac(netDir: string, name: string): Promise<string | undefined> {
  if (name === "lo") return undefined;
  const type = await readTrimmed(path.join(netDir, name, "type"));
  if (type !== undefined && Number(type) === ARPHRD_LOOPBACK) return undefined;
  const address = (await readTrimmed(path.join(netDir, name, "address")))?.toLowerCase();
  if (!address || !MAC.test(address) || address === ZERO_MAC) return undefined;
  return address;
}

export async function discoverMac(sysfsRoot: string): Promise<string> {
  const netDir = path.join(sysfsRoot, "class/net");
  let names: string[];
  try {
    names = await readdir(netDir);
  } catch (err) {
    throw new Error(`cannot list network interfaces in ${netDir}: ${(err as Error).message}`);
  }
  const ordered = ["eth0", ...names.filter((n) => n !== "eth0").sort()];
  for (const name of ordered) {
    if (!names.includes(name)) continue;
    const mac = await interfaceMac(netDir, name);
    if (mac) return mac;
  }
  throw new Error(`no non-loopback interface with a MAC address in ${netDir}`);
}

/** Firmware that leaves the UUID unset reports all zeros or all Fs: no identity at all. */
const meaningless = (value: string) => /^[0\-\s]*$/.test(value) || /^[f\-\s]*$/i.test(value);

export async function discoverDmiUuid(sysfsRoot: string, cpuinfoPath = DEFAULT_CPUINFO_PATH): Promise<string> {
  const uuidFile = path.join(sysfsRoot, "class/dmi/id/product_uuid");
  const uuid = await readTrimmed(uuidFile);
  if (uuid && !meaningless(uuid)) return uuid.toLowerCase();
  const cpuinfo = await readTrimmed(cpuinfoPath);
  const serial = cpuinfo
    ?.split("\n")
    .map((line) => /^Serial\s*:\s*(\S+)\s*$/i.exec(line)?.[1])
    .find((v) => v !== undefined);
  if (serial && !meaningless(serial)) return serial.toLowerCase();
  throw new Error(`no hardware id: ${uuidFile} is missing or unset and ${cpuinfoPath} has no Serial line`);
}
