// Syntax check for npm-semver ranges (`^1.2`, `>=1 <2`, `1.x || 2.0.0 - 2.3`), the form of a
// dependency's version_constraint (spec/domain.md §3.1). Matching against a delivered version's
// source_version happens where versions are resolved; here a write is refused if the range
// could never be read.

const XR = "(?:0|[1-9]\\d*|[xX*])";
const PARTIAL = `v?${XR}(?:\\.${XR}(?:\\.${XR}(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?)?)?`;
const SIMPLE = new RegExp(`^(?:[~^]|[<>]=?|=)?${PARTIAL}$`);
const HYPHEN = new RegExp(`^${PARTIAL} - ${PARTIAL}$`);

export function isSemverRange(input: string): boolean {
  if (input.length === 0 || input.length > 256) return false;
  return input.split("||").every((raw) => {
    const range = raw.trim().replace(/([<>]=?|=|[~^])\s+/g, "$1");
    if (range === "") return true;
    if (HYPHEN.test(range)) return true;
    return range.split(/\s+/).every((c) => SIMPLE.test(c));
  });
}
