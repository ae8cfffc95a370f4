// Attribution ranking (spec/autonomy.md §5.4) as a pure function: what changed around a failed
// instance in the lookback window (facts gathered by gather.ts) becomes ranked suspect modules.
// assignment_change +5 per updated assignment; promotion live +12, blessed +6, retired +4 per
// stamp; event_correlation Σ severity weights (+5 with any high/critical). Same (kind, module)
// merges; prior attribution feedback boosts ×1.5 or damps ×0.7, once; confirmation wins.
import type { Severity } from "../events/emit.ts";
import { attributionAdjustment } from "../learnings/influence.ts";
import type { ATTRIBUTION_CHANGES } from "../learnings/situation.ts";

export const CANDIDATE_KINDS = ["assignment_change", "promotion", "event_correlation"] as const;
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];
export type AttributionChange = (typeof ATTRIBUTION_CHANGES)[number];
export type PromotionStamp = "live" | "blessed" | "retired";

export const ASSIGNMENT_POINTS = 5;
export const PROMOTION_POINTS: Readonly<Record<PromotionStamp, number>> = { live: 12, blessed: 6, retired: 4 };
/** §2.1's severity weights, the same the gate and the sensors use. */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = { low: 1, medium: 4, high: 16, critical: 64 };
export const SEVERE_EVENTS_BONUS = 5;
export const MAX_CANDIDATES = 10;
export const MAX_REASONS = 4;

interface ModuleRef {
  module_id: string;
  module_name: string;
}

/** One assignment of the instance's node whose row changed since the cutoff. */
export interface AssignmentFact extends ModuleRef {
  kind: "assignment_change";
  at: Date;
  /** The assignment itself is new (created since the cutoff). */
  created: boolean;
  enabled: boolean;
}

/** One stamp (live_at, blessed_at or retired_at) since the cutoff on a version of an assigned module. */
export interface PromotionFact extends ModuleRef {
  kind: "promotion";
  version_number: number;
  stamp: PromotionStamp;
  at: Date;
}

export interface EventSample {
  kind: string;
  severity: Severity;
  at: Date;
}

/** The instance's and its node's events naming one module since the cutoff, aggregated. */
export interface EventFact extends ModuleRef {
  kind: "event_correlation";
  counts: Readonly<Record<Severity, number>>;
  /** Highest severity, newest among those. */
  most_severe: EventSample;
  latest: EventSample;
}

export type AttributionFact = AssignmentFact | PromotionFact | EventFact;

export interface Feedback {
  learning_id: string;
  confirmed: boolean;
  at: string;
  actor_type: string;
  actor_id: string | null;
  note: string | null;
  instance_id: string;
}

/** What earlier feedback says about one candidate: similar learnings and the feedback events. */
export interface CandidateEvidence {
  learnings: readonly { id: string; polarity: "confirmed" | "rejected" }[];
  feedback: readonly Feedback[];
}

export type Adjustment = "boosted_by_prior_confirmation" | "downweighted_by_prior_rejection" | null;

export interface Candidate {
  kind: CandidateKind;
  module_id: string;
  module_name: string;
  score: number;
  base_score: number;
  reasons: string[];
  adjustment: Adjustment;
  feedback: Feedback[];
}

export interface RankedAttribution {
  candidates: Candidate[];
  top_candidate: Candidate | null;
  confidence: number | null;
  reasoning: string;
  matched_learning_ids: string[];
}

/** One candidate's identity and the situation its feedback is recorded under (§5.3). */
export interface CandidateSituation extends ModuleRef {
  key: string;
  kind: CandidateKind;
  change: AttributionChange;
}

export const candidateKey = (kind: CandidateKind, moduleId: string): string => `${kind}:${moduleId}`;

const SEVERITY_ORDER: readonly Severity[] = ["critical", "high", "medium", "low"];
const STAMP_VERB: Readonly<Record<PromotionStamp, string>> = {
  live: "went live",
  blessed: "was blessed",
  retired: "was retired",
};
const STAMP_RANK: Readonly<Record<PromotionStamp, number>> = { live: 3, blessed: 2, retired: 1 };

/** "just now", "25 min ago", "3 h ago" (the window is at most 168 h). */
export function ago(at: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - at.getTime()) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ago`;
}

function points(f: AttributionFact): number {
  switch (f.kind) {
    case "assignment_change":
      return ASSIGNMENT_POINTS;
    case "promotion":
      return PROMOTION_POINTS[f.stamp];
    case "event_correlation": {
      const sum = SEVERITY_ORDER.reduce((s, sev) => s + f.counts[sev] * SEVERITY_WEIGHTS[sev], 0);
      return sum + (f.counts.high + f.counts.critical > 0 ? SEVERE_EVENTS_BONUS : 0);
    }
  }
}

function reasonsOf(f: AttributionFact, now: Date): string[] {
  switch (f.kind) {
    case "assignment_change": {
      const what = f.created
        ? `${f.module_name} was assigned to the node`
        : `the node's ${f.module_name} assignment changed`;
      return [`${what} ${ago(f.at, now)}${f.enabled ? "" : " (now disabled)"}`];
    }
    case "promotion":
      return [`version ${f.version_number} ${STAMP_VERB[f.stamp]} ${ago(f.at, now)}`];
    case "event_correlation": {
      const total = SEVERITY_ORDER.reduce((s, sev) => s + f.counts[sev], 0);
      const split = SEVERITY_ORDER.filter((sev) => f.counts[sev] > 0)
        .map((sev) => `${f.counts[sev]} ${sev}`)
        .join(", ");
      const out = [`${total} ${total === 1 ? "event" : "events"} named this module in the window (${split})`];
      const m = f.most_severe;
      out.push(`most severe: ${m.kind} (${m.severity}) ${ago(m.at, now)}`);
      if (f.latest.at.getTime() !== m.at.getTime() || f.latest.kind !== m.kind) {
        out.push(`latest: ${f.latest.kind} (${f.latest.severity}) ${ago(f.latest.at, now)}`);
      }
      if (f.counts.high + f.counts.critical > 0) out.push(`+${SEVERE_EVENTS_BONUS} for high or critical events`);
      return out;
    }
  }
}

/** The time a fact's reasons refer to, to order a merged candidate's reasons newest first. */
const factTime = (f: AttributionFact) => (f.kind === "event_correlation" ? f.latest.at : f.at).getTime();

interface Merged extends ModuleRef {
  key: string;
  kind: CandidateKind;
  facts: AttributionFact[];
}

function merge(facts: readonly AttributionFact[]): Merged[] {
  const byKey = new Map<string, Merged>();
  for (const f of facts) {
    const key = candidateKey(f.kind, f.module_id);
    const m = byKey.get(key) ?? { key, kind: f.kind, module_id: f.module_id, module_name: f.module_name, facts: [] };
    m.facts.push(f);
    byKey.set(key, m);
  }
  return [...byKey.values()];
}

function changeOf(m: Merged): AttributionChange {
  if (m.kind === "assignment_change") return "assignment";
  if (m.kind === "event_correlation") return "events";
  const stamps = m.facts.filter((f): f is PromotionFact => f.kind === "promotion");
  stamps.sort((a, b) => b.at.getTime() - a.at.getTime() || STAMP_RANK[b.stamp] - STAMP_RANK[a.stamp]);
  return stamps[0]?.stamp ?? "live";
}

/** The candidates the facts make, with the change their feedback situation names. */
export function candidateSituations(facts: readonly AttributionFact[]): CandidateSituation[] {
  return merge(facts).map((m) => ({
    key: m.key,
    kind: m.kind,
    module_id: m.module_id,
    module_name: m.module_name,
    change: changeOf(m),
  }));
}

const KIND_PHRASE: Readonly<Record<CandidateKind, string>> = {
  assignment_change: "an assignment change",
  promotion: "a version promotion",
  event_correlation: "the events reported",
};

function compare(a: Candidate, b: Candidate): number {
  if (b.score !== a.score) return b.score - a.score;
  if (a.module_name !== b.module_name) return a.module_name < b.module_name ? -1 : 1;
  return CANDIDATE_KINDS.indexOf(a.kind) - CANDIDATE_KINDS.indexOf(b.kind);
}

function reasoningOf(ranked: Candidate[], total: number, confidence: number | null, lookbackHours: number): string {
  const top = ranked[0];
  if (!top || confidence === null) {
    return `Nothing changed around this instance in the last ${lookbackHours} h: no assignment of its node was updated, no version of an assigned module was promoted or retired, and no event of the instance or its node named a module.`;
  }
  const parts = [
    `Most likely cause: ${KIND_PHRASE[top.kind]} of module ${top.module_name} (score ${top.score} of ${total}, confidence ${Math.round(confidence * 100)} %): ${top.reasons.join("; ")}.`,
  ];
  if (top.adjustment === "boosted_by_prior_confirmation") {
    parts.push(`Its score was raised from ${top.base_score} because an operator confirmed this cause before.`);
  } else if (top.adjustment === "downweighted_by_prior_rejection") {
    parts.push(`Its score was lowered from ${top.base_score} because an operator rejected this cause before.`);
  }
  const others = ranked.length - 1;
  if (others > 0) parts.push(`${others} other ${others === 1 ? "candidate ranks" : "candidates rank"} lower.`);
  return parts.join(" ");
}

export interface RankOptions {
  now: Date;
  lookbackHours: number;
}

export function rankAttribution(
  facts: readonly AttributionFact[],
  evidence: ReadonlyMap<string, CandidateEvidence>,
  opts: RankOptions,
): RankedAttribution {
  const all = merge(facts).map((m): Candidate => {
    const base = m.facts.reduce((s, f) => s + points(f), 0);
    const ev = evidence.get(m.key);
    const adjusted = attributionAdjustment(base, ev?.learnings ?? []);
    const ordered = [...m.facts].sort((a, b) => factTime(b) - factTime(a));
    const reasons = [...new Set(ordered.flatMap((f) => reasonsOf(f, opts.now)))].slice(0, MAX_REASONS);
    return {
      kind: m.kind,
      module_id: m.module_id,
      module_name: m.module_name,
      score: adjusted.score,
      base_score: base,
      reasons,
      adjustment: adjusted.reason,
      feedback: [...(ev?.feedback ?? [])],
    };
  });
  all.sort(compare);
  const total = all.reduce((s, c) => s + c.score, 0);
  const top = all[0] ?? null;
  const confidence = top ? Math.round((top.score / Math.max(total, 1)) * 1000) / 1000 : null;
  const candidates = all.slice(0, MAX_CANDIDATES);
  const matched = new Set<string>();
  for (const c of candidates) {
    for (const l of evidence.get(candidateKey(c.kind, c.module_id))?.learnings ?? []) matched.add(l.id);
  }
  return {
    candidates,
    top_candidate: top,
    confidence,
    reasoning: reasoningOf(all, total, confidence, opts.lookbackHours),
    matched_learning_ids: [...matched],
  };
}
