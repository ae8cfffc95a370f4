// Spec-line canonicalisation (spec/domain.md §3.2, builder.md §3): every write of a spec field
// trims lines, drops blanks and `#` comments, de-duplicates and sorts bytewise, so equal specs
// compare equal and build fingerprints do not depend on how an operator typed them.

/** Bytewise (UTF-8) order, the order rsync filters and fingerprints are defined on. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function normalizeSpecLines(lines: readonly string[]): string[] {
  const kept = new Set<string>();
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    kept.add(line);
  }
  return [...kept].sort(compareBytes);
}

// `name`, `name=version`, `name:arch` (and apt's `name:arch=version`).
const PACKAGE_LINE = /^[a-z0-9][a-z0-9+.-]*(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:_-]+)?$/;

/** Why a package_spec line is malformed, or undefined when it is fine (after trimming). */
export function packageLineError(line: string): string | undefined {
  const t = line.trim();
  if (t === "" || t.startsWith("#")) return undefined;
  return PACKAGE_LINE.test(t) ? undefined : `"${t}" is not name, name=version or name:arch`;
}

/** Why an rsync glob line is malformed. The rule prefix (`- `/`+ `) is added when the filter is
 * rendered, so a line is one path pattern; only a line break could smuggle in another rule. */
export function globLineError(line: string): string | undefined {
  const t = line.trim();
  if (t === "" || t.startsWith("#")) return undefined;
  if (/[\r\n\0]/.test(t)) return "a glob line cannot contain line breaks or NUL";
  if (/^[+-]\s/.test(t)) return `"${t}" starts with a rule prefix; write the path pattern only`;
  if (t.length > 4096) return "a glob line is at most 4096 characters";
  return undefined;
}
