// Credential redaction for what holders report: error messages are stored (≤ 16 KB) and shown to
// operators and models, and results land in task rows and events, so secrets must never reach them
// (spec/domain.md §0 "Secrets", §1.3 `error_message`).

export const MAX_ERROR_MESSAGE_BYTES = 16 * 1024;
const TRUNCATED = "…[truncated]";

const RULES: [RegExp, string | ((...m: string[]) => string)][] = [
  // PEM private keys, including a block cut off before its END line.
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g, "[REDACTED PRIVATE KEY]"],
  // Nodepilot API tokens.
  [/npt_[A-Za-z0-9_-]+/g, "npt_[REDACTED]"],
  // Authorization headers and bearer tokens.
  // (Eight characters at least, so "Bearer token missing" stays readable.)
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, (_m, scheme) => `${scheme} [REDACTED]`],
  // key=value / key: value credentials (password=…, "token": "…", api_key=…).
  [
    /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret)("?\s*[=:]\s*"?)([^\s"',;&]+)/gi,
    (_m, key, sep) => `${key}${sep}[REDACTED]`,
  ],
  // Credentials in URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, (_m, prefix) => `${prefix}:[REDACTED]@`],
];

/** Replace credentials in free text with markers; everything else is kept. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of RULES) {
    out = out.replace(re, replacement as (substring: string, ...args: string[]) => string);
  }
  return out;
}

/** Cut text to at most `maxBytes` of UTF-8 without splitting a character, marking the cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(TRUNCATED, "utf8");
  const bytes = Buffer.from(text, "utf8").subarray(0, Math.max(budget, 0));
  // A cut inside a multi-byte sequence decodes to U+FFFD; drop it.
  return `${bytes.toString("utf8").replace(/\uFFFD+$/, "")}${TRUNCATED}`;
}

/** An error message as stored: redacted first (so a cut cannot hide a secret's end), then ≤ 16 KB. */
export function sanitizeErrorMessage(text: string): string {
  return truncateUtf8(redactSecrets(text), MAX_ERROR_MESSAGE_BYTES);
}

/** Redact every string inside a JSON value (results carry script output and other free text). */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
