// Source 2, QEMU fw-cfg (spec/agent.md §2): one sysfs file per key under `opt/org.nodepilot/`.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { absent, errorText, failed, found, type IdentityFields, type IdentitySourceProbe } from "./outcome.ts";
import { decodeCaPem } from "./parse.ts";

export const DEFAULT_SYSFS_ROOT = "/sys";
const KEYS = ["instance_id", "bootstrap_token", "platform_url", "ca_pem"] as const;

export function fwCfgSource(sysfsRoot = DEFAULT_SYSFS_ROOT): IdentitySourceProbe {
  const base = path.join(sysfsRoot, "firmware/qemu_fw_cfg/by_name/opt/org.nodepilot");
  return {
    name: "fw_cfg",
    async probe() {
      try {
        const exists = await stat(base).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (!exists) return absent(`${base} does not exist`);
        const fields: IdentityFields = {};
        for (const key of KEYS) {
          const value = await readFile(path.join(base, key, "raw"), "utf8").catch((err: NodeJS.ErrnoException) => {
            if (err.code === "ENOENT") return undefined;
            throw err;
          });
          if (value !== undefined) fields[key] = value;
        }
        if (fields.ca_pem) fields.ca_pem = decodeCaPem(fields.ca_pem);
        return found(fields);
      } catch (err) {
        return failed(errorText(err));
      }
    },
  };
}
