// RPM package version ordering (rpm's rpmvercmp with `~` and `^`, and EVR comparison):
// `[epoch:]version[-release]`. package_drift uses it for rpm/dnf repositories, whose versions
// order differently from Debian's (letters sort before digits, separators only split segments).

export interface RpmVersion {
  epoch: number;
  version: string;
  /** null when absent: a missing release matches any release, as rpm compares dependencies. */
  release: string | null;
}

export function parseRpmVersion(input: string): RpmVersion | null {
  const text = input.trim();
  if (text === "" || /\s/.test(text)) return null;
  let rest = text;
  let epoch = 0;
  const colon = rest.indexOf(":");
  if (colon !== -1) {
    const e = rest.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) return null;
    epoch = Number(e);
    if (!Number.isSafeInteger(epoch)) return null;
    rest = rest.slice(colon + 1);
  }
  let release: string | null = null;
  const dash = rest.lastIndexOf("-");
  if (dash !== -1) {
    release = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (release === "") return null;
  }
  if (rest === "" || rest.includes(":") || rest.includes("-")) return null;
  return { epoch, version: rest, release };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= "A" && c <= "Z") || (c >= "a" && c <= "z"));
const isSeparator = (c: string | undefined): boolean =>
  c !== undefined && !isDigit(c) && !isAlpha(c) && c !== "~" && c !== "^";

/** rpmvercmp: -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (isSeparator(a[i])) i++;
    while (isSeparator(b[j])) j++;
    // `~` sorts before everything, the end of the string included.
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    // `^` sorts after the end of the string but before anything else.
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const take = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (take(a[ei])) ei++;
    while (take(b[ej])) ej++;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    // Segments of different types: a numeric segment is newer than an alphabetic one.
    if (sb === "") return numeric ? 1 : -1;
    if (numeric) {
      sa = sa.replace(/^0+/, "");
      sb = sb.replace(/^0+/, "");
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}

/** Compares two EVR strings; throws naming a version that does not parse. */
export function compareRpmVersions(a: string, b: string): number {
  const va = parseRpmVersion(a);
  if (!va) throw new Error(`not an RPM version: ${JSON.stringify(a)}`);
  const vb = parseRpmVersion(b);
  if (!vb) throw new Error(`not an RPM version: ${JSON.stringify(b)}`);
  if (va.epoch !== vb.epoch) return va.epoch > vb.epoch ? 1 : -1;
  const v = rpmvercmp(va.version, vb.version);
  if (v !== 0 || va.release === null || vb.release === null) return v;
  return rpmvercmp(va.release, vb.release);
}
