// Parsers for the textual identity carriers: shell-style assignments (identity.cfg, user data),
// kernel-cmdline-style `nodepilot.*=` pairs, and JSON user data. All normalise to IdentityFields.
import type { IdentityFields } from "./outcome.ts";

/**
 * Parses `NAME=value` assignments the way a POSIX shell would read them for our purposes:
 * `export` prefixes, `#` comments, blank lines, single quotes (verbatim, may span lines),
 * double quotes (backslash escapes) and concatenated segments like `'a'"'"'b'`. Anything that
 * is not an assignment (a shebang, a command) is skipped rather than failing the whole file.
 */
export function parseShellAssignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const atEnd = (c: string | undefined) => c === undefined || c === "\n" || c === " " || c === "\t" || c === ";";
  while (i < n) {
    // Skip whitespace and statement separators between words.
    while (i < n && /[\s;]/.test(text[i]!)) i++;
    if (i >= n) break;
    if (text[i] === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256))?.[0];
    if (word === "export" && /[ \t]/.test(text[i + word.length] ?? "")) {
      i += word.length;
      continue;
    }
    if (!word || text[i + word.length] !== "=") {
      // Not an assignment: skip the rest of the line.
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    i += word.length + 1;
    let value = "";
    while (i < n && !atEnd(text[i])) {
      const c = text[i]!;
      if (c === "'") {
        const close = text.indexOf("'", i + 1);
        if (close < 0) throw new Error(`unterminated single quote in ${word}`);
        value += text.slice(i + 1, close);
        i = close + 1;
      } else if (c === '"') {
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === "\\" && i + 1 < n && '"\\$`\n'.includes(text[i + 1]!)) i++;
          value += text[i];
          i++;
        }
        if (i >= n) throw new Error(`unterminated double quote in ${word}`);
        i++;
      } else if (c === "\\" && i + 1 < n) {
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    out.set(word, value);
  }
  return out;
}

/** Splits a kernel command line into `key=value` pairs; values may be double- or single-quoted. */
export function parseCmdline(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([^\s=]+)(?:=("[^"]*"|'[^']*'|\S*))?/g;
  for (const m of text.matchAll(re)) {
    const key = m[1]!;
    let value = m[2] ?? "";
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    out.set(key, value);
  }
  return out;
}

/** A CA given inline is either PEM text or base64 of PEM text (cmdline, user data). */
export function decodeCaPem(value: string): string {
  const trimmed = value.trim();
  if (trimmed.includes("-----BEGIN ")) return trimmed;
  const decoded = Buffer.from(trimmed, "base64").toString("utf8");
  if (!decoded.includes("-----BEGIN CERTIFICATE-----")) throw new Error("ca_pem is neither PEM nor base64 PEM");
  return decoded.trim();
}

/** Fields from the `nodepilot.*` cmdline pairs (the CA still base64, see decodeCaPem). */
export function fieldsFromCmdlinePairs(
  pairs: Map<string, string>,
): IdentityFields & { ca_pem_url?: string; ca_sha256?: string } {
  const get = (k: string) => pairs.get(`nodepilot.${k}`);
  const fields: IdentityFields & { ca_pem_url?: string; ca_sha256?: string } = {};
  const set = (key: keyof typeof fields, value: string | undefined) => {
    if (value !== undefined && value !== "") fields[key] = value;
  };
  set("instance_id", get("instance_id"));
  set("bootstrap_token", get("bootstrap_token"));
  set("platform_url", get("platform_url"));
  set("ca_pem", get("ca_pem"));
  set("ca_pem_url", get("ca_pem_url"));
  set("ca_sha256", get("ca_sha256"));
  return fields;
}

/** Fields from shell-style `ID=`/`KEY=`/`SERVER=` assignments (`CA_PEM` inline, if any). */
export function fieldsFromShell(vars: Map<string, string>): IdentityFields & { ca_pem_file?: string } {
  const fields: IdentityFields & { ca_pem_file?: string } = {};
  const pick = (name: string) => {
    const v = vars.get(name);
    return v === undefined || v === "" ? undefined : v;
  };
  const id = pick("ID");
  const key = pick("KEY");
  const server = pick("SERVER");
  const ca = pick("CA_PEM");
  const caFile = pick("CA_PEM_FILE");
  if (id) fields.instance_id = id;
  if (key) fields.bootstrap_token = key;
  if (server) fields.platform_url = server;
  if (ca) fields.ca_pem = ca;
  if (caFile) fields.ca_pem_file = caFile;
  return fields;
}

/**
 * Cloud user data in any of its three shapes (spec/agent.md §2): JSON, cmdline-style pairs or
 * shell lines. Returns null when the text carries no Nodepilot identity at all.
 */
export function parseUserData(text: string): IdentityFields | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  let fields: IdentityFields;
  if (trimmed.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`user data looks like JSON but does not parse: ${(err as Error).message}`);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json))
      throw new Error("user data JSON is not an object");
    const obj = json as Record<string, unknown>;
    fields = {};
    for (const key of ["instance_id", "bootstrap_token", "platform_url", "ca_pem"] as const) {
      const v = obj[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") throw new Error(`user data JSON field ${key} must be a string`);
      fields[key] = v;
    }
  } else if (/(^|\s)nodepilot\.[a-z_]+=/.test(trimmed)) {
    fields = fieldsFromCmdlinePairs(parseCmdline(trimmed.replace(/\r?\n/g, " ")));
  } else {
    const { ca_pem_file: _ignored, ...shell } = fieldsFromShell(parseShellAssignments(trimmed));
    fields = shell;
  }
  if (fields.ca_pem) fields.ca_pem = decodeCaPem(fields.ca_pem);
  return Object.keys(fields).length === 0 ? null : fields;
}
