// The pure half of attribution feedback (spec/ui.md §5 "Attribution feedback"): the lookback the
// form accepts, the confidence band and its colour, the boosted/downweighted marker, what earlier
// feedback on a candidate says, the viewer's own decision, which instance and module an event names,
// and how a live feedback event joins an analysis already on screen.
import type { Problem } from "../../lib/api-types";
import type { FleetEvent } from "../fleet/types";
import {
  type Adjustment,
  type Analysis,
  CANDIDATE_KINDS,
  type Candidate,
  type CandidateKind,
  type Degraded,
  type FeedbackEntry,
  type FeedbackInput,
  type FeedbackOutput,
} from "./types";

export const LOOKBACK_MIN = 1;
export const LOOKBACK_MAX = 168;
export const LOOKBACK_DEFAULT = 24;
export const NOTE_MAX = 500;
/** The scopes attribution.analyze and attribution.feedback need (spec/mcp.md, learnings are `autonomy`). */
export const ANALYZE_SCOPE = "autonomy:read";
export const FEEDBACK_SCOPE = "autonomy:write";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The lookback field: whole hours from 1 to 168. */
export function parseLookback(raw: string): Parsed<number> {
  const text = raw.trim();
  if (text === "") return { ok: false, message: `Enter a lookback from ${LOOKBACK_MIN} to ${LOOKBACK_MAX} hours.` };
  if (!/^\d+$/.test(text)) return { ok: false, message: "Lookback must be a whole number of hours." };
  const hours = Number(text);
  if (hours < LOOKBACK_MIN || hours > LOOKBACK_MAX) {
    return { ok: false, message: `Lookback must be between ${LOOKBACK_MIN} and ${LOOKBACK_MAX} hours.` };
  }
  return { ok: true, value: hours };
}

export const analyzePath = (instanceId: string, hours: number): string =>
  `/api/v1/fleet/attribution?instance_id=${encodeURIComponent(instanceId)}&lookback_hours=${hours}`;

export const KIND_LABEL: Record<CandidateKind, string> = {
  assignment_change: "Assignment change",
  promotion: "Promotion",
  event_correlation: "Event correlation",
};

export interface ConfidenceBand {
  band: "high" | "medium" | "low" | "unmeasured";
  /** The badge class from globals.css: green, amber, red, or neutral. */
  tone: "ok" | "warn" | "failed" | "neutral";
  text: string;
}

/** ≥ 70 % green, ≥ 40 % amber, else red; null is "not measured", never 0 %. */
export function confidenceBand(confidence: number | null): ConfidenceBand {
  if (confidence === null || !Number.isFinite(confidence)) {
    return { band: "unmeasured", tone: "neutral", text: "confidence not measured" };
  }
  const text = `${Math.round(confidence * 100)} % confidence`;
  if (confidence >= 0.7) return { band: "high", tone: "ok", text };
  if (confidence >= 0.4) return { band: "medium", tone: "warn", text };
  return { band: "low", tone: "failed", text };
}

export interface Marker {
  text: string;
  /** The longer explanation, for the marker's description. */
  why: string;
}

export function adjustmentMarker(adjustment: Adjustment | null): Marker | null {
  if (adjustment === "boosted_by_prior_confirmation") {
    return { text: "boosted ×1.5", why: "an earlier similar cause was confirmed, so the score was multiplied by 1.5" };
  }
  if (adjustment === "downweighted_by_prior_rejection") {
    return {
      text: "downweighted ×0.7",
      why: "an earlier similar cause was rejected, so the score was multiplied by 0.7",
    };
  }
  return null;
}

export const candidateKey = (c: { kind: string; module_id: string }): string => `${c.kind}:${c.module_id}`;

/** A decision as the candidate shows it afterwards. */
export interface Decision {
  learning_id: string;
  confirmed: boolean;
  at: string;
}

/** Who "you" is: the signed-in user's id (feedback by users carries actor_type user, actor_id = user id). */
export const isMine = (entry: Pick<FeedbackEntry, "actor_type" | "actor_id">, userId: string | null): boolean =>
  userId !== null && entry.actor_type === "user" && entry.actor_id === userId;

const newestFirst = (a: { at: string }, b: { at: string }) => Date.parse(b.at) - Date.parse(a.at);

/** The viewer's latest Confirm/Reject of a candidate for this instance, or null. */
export function ownDecision(
  feedback: readonly FeedbackEntry[],
  userId: string | null,
  instanceId: string,
): Decision | null {
  const mine = feedback.filter((f) => f.instance_id === instanceId && isMine(f, userId)).sort(newestFirst)[0];
  return mine ? { learning_id: mine.learning_id, confirmed: mine.confirmed, at: mine.at } : null;
}

/** "3 May 2025" in the viewer's zone (or the given one). */
export function dayText(iso: string, timeZone?: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "an unknown date";
  return new Date(t).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone });
}

export const decisionText = (d: Decision, timeZone?: string): string =>
  `You ${d.confirmed ? "confirmed" : "rejected"} this on ${dayText(d.at, timeZone)}`;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** attribution.analyze sends at most this many feedback entries per candidate, newest first. */
export const FEEDBACK_SHOWN = 5;

/**
 * What earlier feedback on this (kind, module) says: counts and the latest decision with who made it
 * (`nameOf` gives "you" for the viewer, a name or id otherwise). A full list is only the newest ones.
 */
export function feedbackSummary(
  feedback: readonly FeedbackEntry[],
  nameOf: (entry: FeedbackEntry) => string,
  timeZone?: string,
): string {
  if (feedback.length === 0) return "No earlier feedback on this cause.";
  const confirmed = feedback.filter((f) => f.confirmed).length;
  const rejected = feedback.length - confirmed;
  const counts = [
    confirmed > 0 ? plural(confirmed, "confirmation", "confirmations") : null,
    rejected > 0 ? plural(rejected, "rejection", "rejections") : null,
  ]
    .filter(Boolean)
    .join(", ");
  const latest = [...feedback].sort(newestFirst)[0]!;
  const verb = latest.confirmed ? "confirmed" : "rejected";
  const lead = feedback.length >= FEEDBACK_SHOWN ? `Latest ${feedback.length} feedback` : "Earlier feedback";
  return `${lead}: ${counts}; latest ${verb} by ${nameOf(latest)} on ${dayText(latest.at, timeZone)}.`;
}

export function degradedText(degraded: Degraded | null): string | null {
  if (degraded === "embedding_unavailable") {
    return "Similarity search is unavailable (no embeddings): only exact earlier feedback was matched, so prior feedback and its boosts may be incomplete.";
  }
  if (degraded === "search_failed") {
    return "The search for earlier feedback failed: prior feedback and its boosts may be incomplete.";
  }
  return null;
}

const isUuidLike = (v: unknown): v is string => typeof v === "string" && /^[0-9a-f-]{36}$/i.test(v);

/** The instance and module an event names: node_instance_id / node_module_id, else the payload's ids. */
export function attributionTarget(event: FleetEvent): { instanceId: string; moduleId: string | null } | null {
  const p = event.payload ?? {};
  const instanceId = event.node_instance_id ?? (isUuidLike(p.instance_id) ? p.instance_id : null);
  if (!instanceId) return null;
  const moduleId = event.node_module_id ?? (isUuidLike(p.module_id) ? p.module_id : null);
  return { instanceId, moduleId };
}

export const isCandidateKind = (v: unknown): v is CandidateKind =>
  typeof v === "string" && (CANDIDATE_KINDS as readonly string[]).includes(v);

/** The kind of cause an event suggests for the module it names: its own candidate_kind (a feedback event's), else by its kind. */
export function kindForEvent(event: Pick<FleetEvent, "kind" | "payload">): CandidateKind {
  const named = event.payload?.candidate_kind;
  if (isCandidateKind(named)) return named;
  const kind = event.kind;
  if (kind.startsWith("assignment.")) return "assignment_change";
  if (kind.startsWith("module_version.") || kind.includes("promot")) return "promotion";
  return "event_correlation";
}

/** A note for Confirm/Reject: optional, trimmed, at most 500 characters. */
export function parseNote(raw: string): Parsed<string | undefined> {
  const text = raw.trim();
  if (text.length > NOTE_MAX) {
    return { ok: false, message: `Note must be at most ${NOTE_MAX} characters (it has ${text.length}).` };
  }
  return { ok: true, value: text === "" ? undefined : text };
}

export function feedbackInput(
  instanceId: string,
  target: { module_id: string; kind: CandidateKind },
  confirmed: boolean,
  note: string | undefined,
): FeedbackInput {
  return {
    instance_id: instanceId,
    candidate_module_id: target.module_id,
    candidate_kind: target.kind,
    confirmed,
    ...(note ? { note } : {}),
  };
}

/** attribution.feedback's output, or null when the answer is not one (then the page says so). */
export function feedbackOutputOf(output: unknown): FeedbackOutput | null {
  const o = output as Partial<FeedbackOutput> | null | undefined;
  if (!o || typeof o !== "object" || typeof o.learning_id !== "string") return null;
  return { ok: true, learning_id: o.learning_id, repeated: o.repeated === true };
}

/** The fields a refused request names ("note: at most 500 characters"), from its problem document. */
export function problemFields(problem: Problem): string[] {
  return (problem.errors ?? []).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

const FEEDBACK_KIND = /\.attribution_(confirmed|rejected)$/;

export const isFeedbackEvent = (e: Pick<FleetEvent, "kind">): boolean => FEEDBACK_KIND.test(e.kind);

/** A feedback event (autonomy.attribution_confirmed|rejected) as the feedback entry it adds. */
export function feedbackFromEvent(
  e: FleetEvent,
): { kind: CandidateKind; module_id: string; entry: FeedbackEntry } | null {
  const m = FEEDBACK_KIND.exec(e.kind);
  const p = e.payload ?? {};
  const instanceId = e.node_instance_id ?? (typeof p.instance_id === "string" ? p.instance_id : null);
  const moduleId = e.node_module_id ?? (typeof p.module_id === "string" ? p.module_id : null);
  if (!m || !instanceId || !moduleId || !isCandidateKind(p.candidate_kind) || typeof p.learning_id !== "string") {
    return null;
  }
  return {
    kind: p.candidate_kind,
    module_id: moduleId,
    entry: {
      learning_id: p.learning_id,
      confirmed: m[1] === "confirmed",
      at: e.created_at,
      actor_type: e.actor_type,
      actor_id: e.actor_id,
      note: typeof p.note === "string" ? p.note : null,
      instance_id: instanceId,
    },
  };
}

const sameEntry = (a: FeedbackEntry, b: FeedbackEntry) =>
  a.learning_id === b.learning_id &&
  a.actor_type === b.actor_type &&
  a.actor_id === b.actor_id &&
  a.confirmed === b.confirmed;

/**
 * An analysis with the feedback of live events added to the candidates they name — on any instance,
 * as earlier feedback is matched by (kind, module). Scores stay as analysed: a new decision changes
 * them only on Re-analyze. The same object when nothing changed.
 */
export function mergeFeedbackEvents(analysis: Analysis, events: readonly FleetEvent[]): Analysis {
  let changed = false;
  let candidates: Candidate[] = analysis.candidates;
  for (const e of events) {
    const f = feedbackFromEvent(e);
    if (!f) continue;
    candidates = candidates.map((c) => {
      if (candidateKey(c) !== candidateKey(f) || c.feedback.some((x) => sameEntry(x, f.entry))) return c;
      changed = true;
      return { ...c, feedback: [f.entry, ...c.feedback].sort(newestFirst).slice(0, FEEDBACK_SHOWN) };
    });
  }
  if (!changed) return analysis;
  const top = analysis.top_candidate;
  return {
    ...analysis,
    candidates,
    top_candidate: top ? (candidates.find((c) => candidateKey(c) === candidateKey(top)) ?? top) : null,
  };
}
