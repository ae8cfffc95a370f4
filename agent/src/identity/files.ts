// Source 7, identity files (spec/agent.md §2): the first that exists of the well-known paths,
// or one explicit file (the local provider's sandbox `identity.cfg`). A file holding a token
// must be private (no group/other access) and owned by root — or by us when we run unprivileged.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { absent, errorText, failed, found, type IdentitySourceProbe, type SourceOutcome } from "./outcome.ts";
import { fieldsFromShell, parseShellAssignments } from "./parse.ts";

export const DEFAULT_IDENTITY_FILES = [
  "/etc/nodepilot/identity.cfg",
  "/persist/etc/nodepilot/identity.cfg",
  "/boot/identity.cfg",
] as const;

export interface FilesSourceOptions {
  /** `--identity-file` / NODEPILOT_IDENTITY_FILE: read this one file; missing is an error. */
  explicitFile?: string;
  candidates?: readonly string[];
  /** The effective uid allowed to own a token file besides root (defaults to ours). */
  uid?: number;
}

export async function readIdentityFile(file: string, uid: number): Promise<SourceOutcome> {
  const info = await stat(file);
  const fields = fieldsFromShell(parseShellAssignments(await readFile(file, "utf8")));
  if (fields.bootstrap_token !== undefined) {
    if ((info.mode & 0o077) !== 0) {
      return failed(`${file} holds KEY= but has mode ${(info.mode & 0o777).toString(8)}; it must be 0600`);
    }
    if (info.uid !== 0 && info.uid !== uid) {
      return failed(`${file} holds KEY= but is owned by uid ${info.uid}; it must be owned by root`);
    }
  }
  const { ca_pem_file, ...rest } = fields;
  if (ca_pem_file && !rest.ca_pem) {
    rest.ca_pem = await readFile(path.resolve(path.dirname(file), ca_pem_file), "utf8");
  }
  return found(rest);
}

export function filesSource(opts: FilesSourceOptions = {}): IdentitySourceProbe {
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  return {
    name: "files",
    async probe() {
      const list = opts.explicitFile ? [opts.explicitFile] : (opts.candidates ?? DEFAULT_IDENTITY_FILES);
      for (const file of list) {
        try {
          return await readIdentityFile(file, uid);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOENT" && !opts.explicitFile) continue;
          return failed(`${file}: ${errorText(err)}`);
        }
      }
      return absent(`none of ${list.join(", ")} exists`);
    },
  };
}
