// Does a delivered version's source_version satisfy a dependency's npm-semver range (spec/domain.md
// §3.1 "Ranges are enforced")? composition/semver-range.ts checks a range's syntax on write; this
// evaluates one: x-ranges, ~, ^, hyphen ranges, comparator sets joined by `||`, and npm's rule that
// a prerelease only matches a comparator on the same major.minor.patch that names a prerelease.

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

const VERSION =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemver(text: string): SemVer | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split(".") : [] };
}

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      if (Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    } else if (xn !== yn) return xn ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function compareSemver(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || comparePre(a.pre, b.pre);
}

type Op = "<" | "<=" | ">" | ">=" | "=";
interface Comparator {
  op: Op;
  v: SemVer;
}

const v = (major: number, minor: number, patch: number, pre: string[] = []): SemVer => ({ major, minor, patch, pre });
/** The lowest version of a release line, below all of its prereleases: `<1.3.0-0`. */
const floor = (major: number, minor: number, patch: number) => v(major, minor, patch, ["0"]);

const PARTIAL =
  /^v?(0|[1-9]\d*|[xX*])(?:\.(0|[1-9]\d*|[xX*])(?:\.(0|[1-9]\d*|[xX*])(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?)?)?$/;

interface Partial {
  major?: number;
  minor?: number;
  patch?: number;
  pre: string[];
}

function parsePartial(text: string): Partial | undefined {
  const m = PARTIAL.exec(text);
  if (!m) return undefined;
  const num = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
  const major = num(m[1]);
  const minor = major === undefined ? undefined : num(m[2]);
  const patch = minor === undefined ? undefined : num(m[3]);
  return { major, minor, patch, pre: patch === undefined ? [] : m[4] ? m[4].split(".") : [] };
}

/** One comparator token (`^1.2`, `>=1`, `1.x`, `~0.3.1`) as primitive comparators; undefined if unreadable. */
function desugar(token: string): Comparator[] | undefined {
  const m = /^(\^|~|[<>]=?|=)?(.*)$/.exec(token);
  const op = m?.[1] ?? "";
  const p = parsePartial(m?.[2] ?? "");
  if (!p) return undefined;
  const { major: M, minor: m2, patch: pt, pre } = p;
  if (M === undefined) return op === "<" || op === ">" ? [{ op: "<", v: floor(0, 0, 0) }] : [];
  const full = m2 !== undefined && pt !== undefined;
  const exact = v(M, m2 ?? 0, pt ?? 0, pre);
  // The first version past what the partial leaves open: 1 → 2.0.0, 1.2 → 1.3.0.
  const next = m2 === undefined ? floor(M + 1, 0, 0) : floor(M, m2 + 1, 0);
  switch (op) {
    case "":
    case "=":
      return full
        ? [{ op: "=", v: exact }]
        : [
            { op: ">=", v: exact },
            { op: "<", v: next },
          ];
    case "~":
      return [
        { op: ">=", v: exact },
        { op: "<", v: next },
      ];
    case "^": {
      let upper: SemVer;
      if (M > 0 || m2 === undefined) upper = floor(M + 1, 0, 0);
      else if (m2 > 0 || pt === undefined) upper = floor(0, m2 + 1, 0);
      else upper = floor(0, 0, pt + 1);
      return [
        { op: ">=", v: exact },
        { op: "<", v: upper },
      ];
    }
    case ">":
      return full ? [{ op: ">", v: exact }] : [{ op: ">=", v: { ...next, pre: [] } }];
    case ">=":
      return [{ op: ">=", v: exact }];
    case "<":
      return full ? [{ op: "<", v: exact }] : [{ op: "<", v: floor(M, m2 ?? 0, 0) }];
    case "<=":
      return full ? [{ op: "<=", v: exact }] : [{ op: "<", v: next }];
    default:
      return undefined;
  }
}

function parseSet(raw: string): Comparator[] | undefined {
  const text = raw.trim().replace(/([<>]=?|=|[~^])\s+/g, "$1");
  if (text === "" || text === "*") return [];
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
  if (hyphen) {
    const lo = parsePartial(hyphen[1]!);
    const hi = parsePartial(hyphen[2]!);
    if (!lo || !hi) return undefined;
    const out: Comparator[] = [];
    if (lo.major !== undefined) out.push({ op: ">=", v: v(lo.major, lo.minor ?? 0, lo.patch ?? 0, lo.pre) });
    if (hi.major !== undefined) {
      if (hi.minor === undefined) out.push({ op: "<", v: floor(hi.major + 1, 0, 0) });
      else if (hi.patch === undefined) out.push({ op: "<", v: floor(hi.major, hi.minor + 1, 0) });
      else out.push({ op: "<=", v: v(hi.major, hi.minor, hi.patch, hi.pre) });
    }
    return out;
  }
  const out: Comparator[] = [];
  for (const token of text.split(/\s+/)) {
    const c = desugar(token);
    if (!c) return undefined;
    out.push(...c);
  }
  return out;
}

function test(c: Comparator, x: SemVer): boolean {
  const d = compareSemver(x, c.v);
  if (c.op === "=") return d === 0;
  if (c.op === "<") return d < 0;
  if (c.op === "<=") return d <= 0;
  if (c.op === ">") return d > 0;
  return d >= 0;
}

function setMatches(set: Comparator[], x: SemVer): boolean {
  if (!set.every((c) => test(c, x))) return false;
  if (x.pre.length === 0) return true;
  // A prerelease matches only a set that names a prerelease of the same release tuple.
  return set.some(
    (c) =>
      c.v.pre.length > 0 &&
      !(c.v.pre.length === 1 && c.v.pre[0] === "0" && c.op === "<") &&
      c.v.major === x.major &&
      c.v.minor === x.minor &&
      c.v.patch === x.patch,
  );
}

/** True when `version` satisfies `range`; an unreadable version or range never does (fail closed). */
export function satisfiesRange(version: string, range: string): boolean {
  const x = parseSemver(version);
  if (!x) return false;
  const sets = range.split("||").map(parseSet);
  if (sets.some((s) => s === undefined)) return false;
  return sets.some((s) => setMatches(s as Comparator[], x));
}
