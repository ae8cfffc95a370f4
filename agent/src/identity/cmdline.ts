// Source 1, the kernel command line (spec/agent.md §2): `nodepilot.*` pairs, the CA inline as
// base64 PEM or fetched from `ca_pem_url` and pinned by `ca_sha256`.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { absent, errorText, failed, found, type IdentitySourceProbe } from "./outcome.ts";
import { decodeCaPem, fieldsFromCmdlinePairs, parseCmdline } from "./parse.ts";
import { probe } from "./probe.ts";

export const DEFAULT_CMDLINE_PATH = "/proc/cmdline";

async function readCmdline(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

export function cmdlineSource(path = DEFAULT_CMDLINE_PATH): IdentitySourceProbe {
  return {
    name: "cmdline",
    async probe({ signal }) {
      try {
        const text = await readCmdline(path);
        if (text === null) return absent(`${path} does not exist`);
        const fields = fieldsFromCmdlinePairs(parseCmdline(text));
        const { ca_pem_url, ca_sha256, ...rest } = fields;
        if (Object.keys(fields).length === 0) return absent("no nodepilot.* parameters");
        if (rest.ca_pem) rest.ca_pem = decodeCaPem(rest.ca_pem);
        else if (ca_pem_url) {
          if (!ca_sha256) return failed("nodepilot.ca_pem_url needs nodepilot.ca_sha256");
          const res = await probe(ca_pem_url, { signal, insecureTls: true });
          if (res.status !== 200) return failed(`nodepilot.ca_pem_url answered ${res.status}`);
          const digest = createHash("sha256").update(res.body).digest("hex");
          if (digest !== ca_sha256.toLowerCase().replace(/^sha256:/, "")) {
            return failed(`CA fetched from nodepilot.ca_pem_url has sha256 ${digest}, expected ${ca_sha256}`);
          }
          rest.ca_pem = res.body.toString("utf8");
        }
        return found(rest);
      } catch (err) {
        return failed(errorText(err));
      }
    },
  };
}

/** `nodepilot.image_git_sha`, read once at start; undefined means unknown (never drift). */
export async function bootedImageGitSha(path = DEFAULT_CMDLINE_PATH): Promise<string | undefined> {
  const text = await readCmdline(path).catch(() => null);
  const sha = text === null ? undefined : parseCmdline(text).get("nodepilot.image_git_sha");
  return sha && /^[0-9a-f]{7,64}$/.test(sha) ? sha : undefined;
}
