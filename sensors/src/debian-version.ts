// Debian package version ordering (deb-version(7), dpkg's verrevcmp): `[epoch:]upstream[-revision]`.
// package_drift compares upstream with the linked version in memory (§1.1 rule 3 allows pure
// post-filters), because SQL text ordering gets `1.10 < 1.9` and `1.0~rc1 > 1.0` wrong.

export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** "" when absent; dpkg orders an absent revision like "0". */
  revision: string;
}

const UPSTREAM = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

/** Parses a version the way dpkg does; null when dpkg would refuse it. */
export function parseDebianVersion(input: string): DebianVersion | null {
  const text = input.trim();
  if (text === "" || /\s/.test(text)) return null;
  let rest = text;
  let epoch = 0;
  const colon = rest.indexOf(":");
  if (colon !== -1) {
    const e = rest.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) return null;
    epoch = Number(e);
    if (!Number.isSafeInteger(epoch) || epoch > 2 ** 31 - 1) return null;
    rest = rest.slice(colon + 1);
  }
  let revision = "";
  const dash = rest.lastIndexOf("-");
  if (dash !== -1) {
    revision = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (!REVISION.test(revision)) return null;
  }
  // Colons and hyphens survive in the upstream part only behind an epoch and before a revision.
  if (!UPSTREAM.test(rest)) return null;
  return { epoch, upstream: rest, revision };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isAlpha = (c: string): boolean => (c >= "A" && c <= "Z") || (c >= "a" && c <= "z");

/** dpkg's order(): end and digits 0, `~` below everything (even the end), letters by code, others after letters. */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === "~") return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp over one part (upstream or revision): alternating non-digit and digit runs. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** < 0, 0 or > 0 as `a` sorts before, equal to or after `b`; throws naming the version dpkg would refuse. */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a);
  if (!va) throw new Error(`not a Debian version: ${JSON.stringify(a)}`);
  const vb = parseDebianVersion(b);
  if (!vb) throw new Error(`not a Debian version: ${JSON.stringify(b)}`);
  if (va.epoch !== vb.epoch) return va.epoch - vb.epoch;
  return verrevcmp(va.upstream, vb.upstream) || verrevcmp(va.revision, vb.revision);
}
