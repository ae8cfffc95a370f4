// Values for an operation's non-id fields, read from the request: enum values it names, booleans
// its words imply (silent → silent: true), numbers near the words of their field, durations in
// seconds, names, emails, reasons and known identifiers (sensors, commands, action categories).
import type { Analysis } from "./analysis.ts";
import type { FieldSpec } from "./fields.ts";
import { REQUEST_VERBS, STOPWORDS, VALUE_SYNONYMS } from "./lexicon.ts";
import { stem } from "./text.ts";

export interface ValueContext {
  analysis: Analysis;
  /** Token indexes that name fleet objects: never read as values. */
  entityTokens: ReadonlySet<number>;
  /** Known values of free-string fields, by field name (sensor names, task commands, categories). */
  vocabulary: Readonly<Record<string, readonly string[]>>;
  /** The verb the chosen operation performs (for create-only fields like `name`). */
  verb: string;
  /** Token indexes read as values so far (filled in by the functions below). */
  consumed: Set<number>;
  /** Stems of the nouns the operation is about (its resource). */
  nouns: readonly string[];
  /** Command words ("reboot all silent…") a read must not take as a filter value (status rebooting). */
  commands: ReadonlySet<number>;
}

const NEGATORS = new Set(["not", "non", "no", "without", "never", "un", "isn't", "aren't", "don't", "exclude"]);

const negated = (a: Analysis, index: number) =>
  NEGATORS.has(a.tokens[index - 1] ?? "") || NEGATORS.has(a.tokens[index - 2] ?? "") || /^non-/.test(a.tokens[index]!);

/** Enum values named by the request, in text order. */
export function enumValues(values: readonly string[], ctx: ValueContext): string[] {
  const a = ctx.analysis;
  const found: string[] = [];
  const byStem = new Map(values.map((v) => [stem(v), v]));
  a.stems.forEach((s, i) => {
    if (ctx.entityTokens.has(i) || ctx.commands.has(i) || negated(a, i)) return;
    const direct = byStem.get(s) ?? (values.includes(a.tokens[i]!) ? a.tokens[i] : undefined);
    const named = direct ? [direct] : (VALUE_SYNONYMS.get(s) ?? []).filter((v) => values.includes(v));
    if (named.length) ctx.consumed.add(i);
    for (const v of named) if (!found.includes(v)) found.push(v);
  });
  // Multi-word values (cloud_init) spelled with spaces.
  for (const v of values) {
    if (v.includes("_") && a.normalized.includes(v.replaceAll("_", " ")) && !found.includes(v)) found.push(v);
  }
  return found;
}

/** Words that set a boolean field, beyond the field's own name. */
const BOOLEAN_CUES: Record<string, { yes: readonly string[]; no?: readonly string[] }> = {
  force: { yes: ["force", "forced", "forcibly", "forcefully", "kill"] },
  hard: { yes: ["hard", "forcibly", "hard-reset"] },
  dry_run: { yes: ["dry_run", "would", "preview", "simulate"] },
  purge_stale: { yes: ["stale", "purge"] },
  include_optional: { yes: ["optional", "recommended", "recommends"] },
  include_unavailable: { yes: ["unavailable"] },
  silent: { yes: ["silent"] },
  spot: { yes: ["spot"] },
  enabled: { yes: ["enabled", "enable"], no: ["disabled", "disable"] },
  is_active: {
    yes: ["active", "enable", "enabled", "activate"],
    no: ["inactive", "disable", "disabled", "deactivate"],
  },
  release_ips: { yes: ["release"], no: ["keep"] },
  public: { yes: ["public"], no: ["private"] },
  from_template: { yes: ["from_template"] },
};

/** The boolean a request implies for a field, or undefined when it says nothing about it. */
export function booleanValue(field: FieldSpec, ctx: ValueContext): boolean | undefined {
  const a = ctx.analysis;
  const cues = BOOLEAN_CUES[field.name] ?? { yes: [field.name.replaceAll("_", " ")] };
  const yes = cues.yes.map(stem);
  const no = (cues.no ?? []).map(stem);
  for (const [i, s] of a.stems.entries()) {
    if (ctx.entityTokens.has(i)) continue;
    if (yes.includes(s) || no.includes(s)) ctx.consumed.add(i);
    if (yes.includes(s)) return !negated(a, i);
    if (no.includes(s)) return negated(a, i);
  }
  // Field names of several words ("dry run", "from the template").
  const spaced = field.name.replaceAll("_", " ");
  if (spaced.includes(" ") && new RegExp(`\\b${spaced.replace(" ", "(?: the| its)? ")}\\b`).test(a.normalized)) {
    return true;
  }
  return undefined;
}

/** Words near a number that tie it to a field. */
const NUMBER_CUES: Record<string, readonly string[]> = {
  target_size: ["to", "grow", "shrink", "scale", "resize", "size", "target", "of", "machines", "instances", "members"],
  max_size: ["max", "maximum", "most", "up"],
  min_size: ["min", "minimum", "least"],
  limit: ["top", "last", "first", "latest", "recent", "newest", "limit", "time", "page"],
  priority: ["priority"],
  priority_override: ["priority"],
  drain_timeout_seconds: ["drain", "drains", "draining", "grace"],
  ttl_seconds: ["valid", "ttl", "expire", "expires", "for", "lasting"],
  claim_ttl_seconds: ["for", "ttl", "expire", "keep"],
  wait_seconds: ["wait", "up", "block"],
  tick_interval_seconds: ["every", "interval"],
  tick_budget_seconds: ["budget"],
  min_gpu_count: ["gpu", "gpus", "a100", "a100s", "h100", "h100s"],
  min_vcpus: ["vcpu", "vcpus", "cpu", "cpus", "core", "cores"],
  min_memory_mb: ["gb", "mb", "memory", "ram"],
};

const WINDOW = 3;

/**
 * Assign the request's numbers to the operation's numeric fields: each number to the field whose
 * words sit nearest it; a lone required field takes a lone number. Seconds fields take durations.
 */
export function numberValues(fields: readonly FieldSpec[], ctx: ValueContext): Record<string, number> {
  const a = ctx.analysis;
  const numeric = fields.filter((f) => f.type === "integer" || f.type === "number");
  const mentions = a.numbers.filter((m) => !ctx.entityTokens.has(m.index));
  const pairs: { field: FieldSpec; mention: (typeof mentions)[number]; score: number }[] = [];
  for (const field of numeric) {
    const cues = new Set([...(NUMBER_CUES[field.name] ?? []), ...field.name.split("_")].map(stem));
    const seconds = field.name.endsWith("_seconds");
    for (const mention of mentions) {
      let score = 0;
      for (let i = mention.index - WINDOW; i <= mention.index + WINDOW; i++) {
        if (i !== mention.index && cues.has(a.stems[i] ?? "")) score += i < mention.index ? 1.2 : 1;
      }
      if (seconds) score += mention.seconds === undefined ? -1 : 2;
      else if (mention.seconds !== undefined) score -= 2;
      pairs.push({ field, mention, score });
    }
  }
  pairs.sort((x, y) => y.score - x.score);
  const out: Record<string, number> = {};
  const used = new Set<number>();
  for (const { field, mention, score } of pairs) {
    if (field.name in out || used.has(mention.index) || score <= 0) continue;
    out[field.name] = convert(field, mention);
    used.add(mention.index);
  }
  // A lone required number field takes a lone unclaimed number even without cue words.
  const open = numeric.filter((f) => f.required && !(f.name in out));
  const left = mentions.filter((m) => !used.has(m.index) && m.seconds === undefined);
  if (open.length === 1 && left.length === 1) out[open[0]!.name] = convert(open[0]!, left[0]!);
  return out;
}

function convert(field: FieldSpec, m: { value: number; seconds?: number }): number {
  if (field.name.endsWith("_seconds")) return m.seconds ?? m.value;
  if (field.name.endsWith("_mb")) return m.value * 1024;
  return m.value;
}

/** The first name-like token after any of these cue words (marked consumed). */
function after(ctx: ValueContext, cues: readonly string[], skipEntities: ReadonlySet<number>): string | undefined {
  const a = ctx.analysis;
  for (const [i, t] of a.tokens.entries()) {
    if (!cues.includes(t)) continue;
    let j = i + 1;
    while (["a", "an", "the", "it", "new"].includes(a.tokens[j] ?? "")) j++;
    const value = a.tokens[j];
    if (value && !skipEntities.has(j)) {
      ctx.consumed.add(j);
      return originalSpelling(a, value);
    }
  }
  return undefined;
}

/** "create a pool ci-runners", "add node gpu-7": the token right after the resource noun. */
function afterNoun(ctx: ValueContext): string | undefined {
  const a = ctx.analysis;
  for (const [i, s] of a.stems.entries()) {
    if (!ctx.nouns.includes(s) || i === 0) continue;
    const value = a.tokens[i + 1];
    if (!value || !/^[a-z0-9][a-z0-9._-]*$/.test(value) || STOPWORDS.has(value) || REQUEST_VERBS.has(stem(value)))
      continue;
    if (!/[\d._-]/.test(value) && ["called", "named", "from", "with", "for", "on", "in"].includes(value)) continue;
    ctx.consumed.add(i + 1);
    return originalSpelling(a, value);
  }
  return undefined;
}

/** The token as the operator typed it (the normalized text is lower-case). */
function originalSpelling(a: Analysis, token: string): string {
  const m = new RegExp(
    `(?:^|[\\s"'\`(])(${token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})(?=$|[\\s"'\`),.;:!?])`,
    "i",
  ).exec(a.original);
  return m?.[1] ?? token;
}

/** The best known value for a free-string field that has a vocabulary (sensor, command, category). */
export function vocabularyValue(known: readonly string[], a: Analysis, strict = false): string | undefined {
  const spelled = (v: string) =>
    new RegExp(`(?:^|[^a-z0-9_.])(?:${v.replace(/[.*]/g, "\\$&")}|${v.replace(/[._]/g, " ")})(?:$|[^a-z0-9_])`).test(
      a.normalized,
    );
  const exact = known.find(spelled);
  if (exact) return exact;
  const parts = (v: string) =>
    v
      .split(/[._]/)
      .filter((p) => p && p !== "*")
      .map(stem);
  // A value is meant when the request has a word only that value has ("silent" → instance_silent);
  // a word many values share (instance, module) identifies none of them.
  const share = new Map<string, number>();
  for (const v of known) for (const p of new Set(parts(v))) share.set(p, (share.get(p) ?? 0) + 1);
  const stems = new Set(a.stems);
  let best: { value: string; score: number } | undefined;
  let tie = false;
  for (const v of known) {
    const ps = parts(v);
    const present = ps.filter((p) => stems.has(p));
    if (!present.some((p) => share.get(p) === 1)) continue;
    // An optional filter takes a paraphrase only of a value of several words, all of them present
    // ("instance recovery" → instance.recover), never a lone word's inflection ("stopped" ≠ stop).
    if (strict && (ps.length < 2 || present.length < ps.length)) continue;
    const score = present.length / ps.length;
    if (!best || score > best.score) {
      best = { value: v, score };
      tie = false;
    } else if (score === best.score) tie = true;
  }
  return tie ? undefined : best?.value;
}

const CONTAINS_CUES = ["containing", "contains", "matching", "like"];

/** A value for a string field, or undefined. */
export function stringValue(field: FieldSpec, ctx: ValueContext): string | undefined {
  const a = ctx.analysis;
  const known = ctx.vocabulary[field.name];
  if (known?.length) return vocabularyValue(known, a, !field.required);
  if (field.format === "email") return a.emails[0];
  if (field.name === "reason" || field.name === "comment") return a.reason ?? undefined;
  if (field.name.endsWith("_contains")) {
    const inName = /\bwith ([a-z0-9._@-]+) in (?:the |its |their )?(?:name|hostname|email)\b/.exec(a.normalized)?.[1];
    return a.quoted[0] ?? inName ?? after(ctx, CONTAINS_CUES, ctx.entityTokens);
  }
  if (field.name === "claim_code")
    return /\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{4}-?[A-Z0-9]{4}\b/.exec(a.original)?.[0];
  if (field.name === "kind") return a.tokens.find((t) => /^[a-z_]+\.[a-z_*]+(?:\.[a-z_*]+)*$/.test(t) && t.length > 3);
  if (field.name === "name" && (ctx.verb === "create" || ctx.verb === "provision")) {
    return (
      a.quoted[0] ?? after(ctx, ["called", "named", "name"], new Set()) ?? (field.required ? afterNoun(ctx) : undefined)
    );
  }
  if (field.name === "display_name") {
    const named = after(ctx, ["called", "named"], new Set());
    if (named) return named;
    const local = a.emails[0]?.split("@")[0];
    return local ? local.charAt(0).toUpperCase() + local.slice(1) : undefined;
  }
  if (field.format === "date-time" && field.name === "since") return sinceOf(a);
  return undefined;
}

/** "in the last hour", "past 24 hours", "last 3 days", "today" → an ISO timestamp. */
function sinceOf(a: Analysis): string | undefined {
  const m = /\b(?:last|past)\s+(\d+|an?|one)?\s*(minute|hour|day|week)s?\b/.exec(a.normalized);
  const unit = { minute: 60, hour: 3600, day: 86400, week: 604800 } as const;
  if (m) {
    const n = m[1] && /^\d+$/.test(m[1]) ? Number(m[1]) : 1;
    return new Date(a.now.getTime() - n * unit[m[2] as keyof typeof unit] * 1000).toISOString();
  }
  if (/\btoday\b/.test(a.original.toLowerCase())) {
    const d = new Date(a.now);
    d.setUTCHours(0, 0, 0, 0);
    return d.toISOString();
  }
  return undefined;
}
