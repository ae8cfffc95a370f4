// Strong ETags for the agent's cacheable reads (assignments, trust) and If-None-Match matching
// (RFC 9110 §13.1.2: weak comparison, a list of tags, or `*`).
export const strongEtag = (value: string) => `"${value}"`;

export function etagMatches(ifNoneMatch: string | undefined, value: string): boolean {
  if (!ifNoneMatch) return false;
  const header = ifNoneMatch.trim();
  if (header === "*") return true;
  return header
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .some((t) => t === strongEtag(value));
}
