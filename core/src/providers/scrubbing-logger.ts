// Wraps a logger so nothing a provider logs can carry a credential (spec/domain.md §0, Secrets).
import type { ProviderLogger } from "./adapter.ts";
import { scrubSecrets } from "./errors.ts";

function scrubValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === "string") return scrubSecrets(value, secrets);
  // Bounded so a cyclic or huge structure cannot stall logging.
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return scrubSecrets(value.message, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, secrets, depth + 1)]));
}

export function scrubbingLogger(inner: ProviderLogger, secrets: readonly string[]): ProviderLogger {
  const wrap =
    (level: keyof ProviderLogger) =>
    (msg: string, data?: Record<string, unknown>): void => {
      const clean = scrubSecrets(msg, secrets);
      if (data === undefined) inner[level](clean);
      else inner[level](clean, scrubValue(data, secrets, 0) as Record<string, unknown>);
    };
  return { debug: wrap("debug"), info: wrap("info"), warn: wrap("warn"), error: wrap("error") };
}
