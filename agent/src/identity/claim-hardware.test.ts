// MAC and DMI UUID discovery for the claim source against fixture sysfs trees and cpuinfo files.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { discoverDmiUuid, discoverMac } from "./claim-hardware.ts";

async function sysfs(ifaces: Record<string, { address?: string; type?: number }>, productUuid?: string) {
  const root = await mkdtemp(path.join(tmpdir(), "np-claim-hw-"));
  await mkdir(path.join(root, "class/net"), { recursive: true });
  for (const [name, i] of Object.entries(ifaces)) {
    const dir = path.join(root, "class/net", name);
    await mkdir(dir, { recursive: true });
    if (i.address !== undefined) await writeFile(path.join(dir, "address"), `${i.address}\n`);
    await writeFile(path.join(dir, "type"), `${i.type ?? 1}\n`);
  }
  if (productUuid !== undefined) {
    await mkdir(path.join(root, "class/dmi/id"), { recursive: true });
    await writeFile(path.join(root, "class/dmi/id/product_uuid"), `${productUuid}\n`);
  }
  return root;
}

describe("discoverMac", () => {
  it("prefers eth0 even when another interface sorts first", async () => {
    const root = await sysfs({
      lo: { address: "00:00:00:00:00:00", type: 772 },
      eth0: { address: "02:FC:00:00:00:01" },
      enp1s0: { address: "3e:7f:eb:03:24:5b" },
    });
    expect(await discoverMac(root)).toBe("02:fc:00:00:00:01");
  });

  it("without eth0 takes the alphabetically first non-loopback interface that has an address", async () => {
    const root = await sysfs({
      lo: { address: "00:00:00:00:00:00", type: 772 },
      wlan0: { address: "aa:bb:cc:dd:ee:01" },
      end0: { address: "aa:bb:cc:dd:ee:02" },
      dummy: { address: "aa:bb:cc:dd:ee:03", type: 772 },
      ab0: { address: "00:00:00:00:00:00" },
      "a-tun": {},
    });
    expect(await discoverMac(root)).toBe("aa:bb:cc:dd:ee:02");
  });

  it("fails clearly when only loopback exists", async () => {
    const root = await sysfs({ lo: { address: "00:00:00:00:00:00", type: 772 } });
    await expect(discoverMac(root)).rejects.toThrow(/no non-loopback interface/);
    await expect(discoverMac(path.join(root, "nope"))).rejects.toThrow(/cannot list network interfaces/);
  });
});

describe("discoverDmiUuid", () => {
  it("reads the firmware product UUID, lower-cased", async () => {
    const root = await sysfs({}, "4C4C4544-0042-3510-8051-B4C04F4E4B32");
    expect(await discoverDmiUuid(root, path.join(root, "no-cpuinfo"))).toBe("4c4c4544-0042-3510-8051-b4c04f4e4b32");
  });

  it("falls back to the cpuinfo Serial line when the UUID is missing or unset", async () => {
    const cpuinfo =
      "processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nSerial\t\t: 10000000A1B2C3D4\nModel\t: Raspberry Pi 4\n";
    const missing = await sysfs({});
    await writeFile(path.join(missing, "cpuinfo"), cpuinfo);
    expect(await discoverDmiUuid(missing, path.join(missing, "cpuinfo"))).toBe("10000000a1b2c3d4");
    const unset = await sysfs({}, "00000000-0000-0000-0000-000000000000");
    await writeFile(path.join(unset, "cpuinfo"), cpuinfo);
    expect(await discoverDmiUuid(unset, path.join(unset, "cpuinfo"))).toBe("10000000a1b2c3d4");
  });

  it("fails clearly when neither source has an id", async () => {
    const root = await sysfs({}, "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF");
    await writeFile(path.join(root, "cpuinfo"), "processor\t: 0\nSerial\t\t: 0000000000000000\n");
    await expect(discoverDmiUuid(root, path.join(root, "cpuinfo"))).rejects.toThrow(/no hardware id/);
  });
});
