// Text handling for the offline model: operator phrasings rewritten to the catalog's words, words
// cut to light stems, and the literal values a request carries (uuids, emails, numbers, durations,
// quoted text). Everything here is pure.

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const EMAIL = /\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b/gi;

// Multi-word phrasings mapped to the single word the catalog uses for them. Order matters: longer
// phrasings first.
const PHRASES: readonly [RegExp, string][] = [
  [/\b(?:stopped|stop|not|no longer) (?:sending |reporting )?heartbeat(?:s|ing)?\b/g, "silent"],
  [/\bno heartbeats?\b/g, "silent"],
  [/\b(?:not|stopped) (?:responding|reporting|answering)\b/g, "silent"],
  [/\b(?:gone|went|go|going|are|is) (?:quiet|dark|silent|offline|unresponsive)\b/g, "silent"],
  [/\bunresponsive\b/g, "silent"],
  [/\bchecked in\b|\bcheck(?:ed)?[- ]in\b|\blast seen\b|\blast contact\b/g, "heartbeat"],
  [/\bpower[- ]?cycle\b|\bbounce\b/g, "reboot"],
  [/\bpower(?:ed)? ((?:\S+ ){0,3})on\b/g, "start $1"],
  [/\bpower(?:ed)? ((?:\S+ ){0,3})off\b/g, "stop $1"],
  [/\bshut ((?:\S+ ){0,2})down\b|\bshutdown\b/g, "stop $1"],
  [/\b(?:turn|switch)(?:ed)? ((?:\S+ ){0,3})off\b/g, "disable $1"],
  [/\b(?:turn|switch)(?:ed)? ((?:\S+ ){0,3})on\b/g, "enable $1"],
  [/\bdry[- ]run\b/g, "dry_run"],
  [/\bre-?enroll(?:ment|ing)?\b/g, "reenroll"],
  [/\bcircuit[- ]breakers?\b/g, "breaker"],
  [/\bapi[- ]keys?\b|\bapi[- ]tokens?\b/g, "api_token"],
  [/\bwaiting (?:for|on) (?:my |an |your )?(?:approval|sign[- ]off|review)\b/g, "pending approval"],
  [/\bread[- ]only\b/g, "viewer"],
  [/\bright now\b|\bat the moment\b|\bcurrently\b/g, " "],
  [
    /\b(?:get|give|grab|find) me an? (?:new |spare |free |fresh )?(?:machine|instance|box|server|runner)\b/g,
    "acquire instance",
  ],
  [/\bgive me\b|\bget me\b/g, "get"],
  [/\bset up\b|\bspin up\b|\bbring up\b/g, "create"],
  [/\bnew machine\b|\bnew instance\b/g, "provision instance"],
  [/\bhow many\b/g, "count"],
];

/** Lower-case and rewrite the phrasings above; uuids and emails are left untouched. */
export function normalize(text: string): string {
  let out = ` ${text.toLowerCase().replace(/[’‘]/g, "'")} `;
  for (const [pattern, replacement] of PHRASES) out = out.replace(pattern, replacement);
  return out.replace(/\s+/g, " ").trim();
}

const IRREGULAR: Record<string, string> = {
  ran: "run",
  added: "add",
  running: "run",
  gone: "go",
  went: "go",
  people: "person",
  children: "child",
  statuses: "status",
  policies: "policy",
  dependencies: "dependency",
  entries: "entry",
  boxes: "box",
  aliases: "alias",
  was: "be",
  were: "be",
  is: "be",
  are: "be",
  has: "have",
  had: "have",
  does: "do",
  did: "do",
};

const KEEP = new Set(["status", "bus", "alias", "canvas", "always", "its", "this", "has", "was", "is", "us", "less"]);

/** A light stemmer: plural and tense endings, a trailing e and doubled consonants. */
export function stem(word: string): string {
  const w = word.toLowerCase();
  if (IRREGULAR[w]) return IRREGULAR[w];
  if (KEEP.has(w) || w.length <= 3 || /\d/.test(w)) return w;
  let s = w;
  if (s.endsWith("ies") && s.length > 4) s = `${s.slice(0, -3)}y`;
  else if (/(?:sses|xes|ches|shes)$/.test(s)) s = s.slice(0, -2);
  else if (s.endsWith("s") && !/(?:ss|us|is)$/.test(s)) s = s.slice(0, -1);
  const before = s;
  if (s.endsWith("ing") && s.length > 5) s = s.slice(0, -3);
  else if (s.endsWith("ed") && s.length > 4) s = s.slice(0, -2);
  if (/([b-df-hj-np-tv-z])\1$/.test(s) && !/(?:ll|ss|zz)$/.test(s)) s = s.slice(0, -1);
  // Too little left means the ending was part of the word (setting is not set+ing).
  if (s.length < 4 && s !== before) s = before;
  if (s.endsWith("ery") && s.length > 5) s = s.slice(0, -1);
  if (s.endsWith("ment") && s.length > 7) s = s.slice(0, -4);
  if (s.endsWith("e") && s.length > 4) s = s.slice(0, -1);
  return s;
}

/** Raw tokens: whitespace-separated, surrounding punctuation and possessives removed. */
export function rawTokens(text: string): string[] {
  return text
    .split(/\s+/)
    .map((t) =>
      t
        .replace(/^[("'`[{<]+/, "")
        .replace(/[)"'`\]}>,;:!?]+$/, "")
        .replace(/\.+$/, "")
        .replace(/'s$/, ""),
    )
    .filter((t) => t.length > 0);
}

/** Word stems for scoring: tokens split on separators, uuids and emails dropped. */
export function words(text: string): string[] {
  const stripped = text.replace(UUID, " ").replace(EMAIL, " ");
  return stripped
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0 && !/^\d+$/.test(w))
    .map(stem);
}

export const uuidsIn = (text: string): string[] => [...text.matchAll(UUID)].map((m) => m[0].toLowerCase());
export const emailsIn = (text: string): string[] => [...text.matchAll(EMAIL)].map((m) => m[0].toLowerCase());

/** Text between quotes ("…", '…', `…`). */
export const quotedIn = (text: string): string[] =>
  [...text.matchAll(/"([^"]+)"|`([^`]+)`|(?:^|\s)'([^']+)'(?=\s|$|[,.?!])/g)].map((m) => (m[1] ?? m[2] ?? m[3])!);

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  hundred: 100,
};

const UNIT_SECONDS: readonly [RegExp, number][] = [
  [/^(?:s|sec|secs|second|seconds)$/, 1],
  [/^(?:m|min|mins|minute|minutes)$/, 60],
  [/^(?:h|hr|hrs|hour|hours)$/, 3600],
  [/^(?:d|day|days)$/, 86400],
  [/^(?:w|week|weeks)$/, 604800],
];

export interface NumberMention {
  value: number;
  /** Seconds, when the number carried a time unit ("5 minutes", "90s", "an hour"). */
  seconds?: number;
  /** Position among the raw tokens, for proximity to field words. */
  index: number;
}

/**
 * Numbers in the request, with durations converted to seconds. Digits inside names (`edge-3`),
 * uuids and emails are not numbers; "a"/"an" count only before a time unit.
 */
export function numbersIn(tokens: readonly string[]): NumberMention[] {
  const out: NumberMention[] = [];
  tokens.forEach((raw, index) => {
    const t = raw.toLowerCase();
    const glued = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(t);
    const unitOf = (u: string | undefined) => (u ? UNIT_SECONDS.find(([re]) => re.test(u))?.[1] : undefined);
    if (glued) {
      const unit = unitOf(glued[2]);
      if (unit !== undefined) out.push({ value: Number(glued[1]), seconds: Number(glued[1]) * unit, index });
      return;
    }
    const value = /^\d+(?:\.\d+)?$/.test(t) ? Number(t) : NUMBER_WORDS[t];
    if (value === undefined) return;
    const next = tokens[index + 1]?.toLowerCase().replace(/-$/, "");
    const unit = unitOf(next) ?? unitOf(next?.split("-")[0]);
    if ((t === "a" || t === "an") && unit === undefined) return;
    out.push(unit === undefined ? { value, index } : { value, seconds: value * unit, index });
  });
  // "5-minute" glued with a hyphen
  tokens.forEach((raw, index) => {
    const m = /^(\d+)-([a-z]+)$/.exec(raw.toLowerCase());
    const unit = m ? UNIT_SECONDS.find(([re]) => re.test(m[2]!))?.[1] : undefined;
    if (m && unit !== undefined) out.push({ value: Number(m[1]), seconds: Number(m[1]) * unit, index });
  });
  return out.sort((a, b) => a.index - b.index);
}
