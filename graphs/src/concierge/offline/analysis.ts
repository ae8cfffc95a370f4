// One request, read once: its normalized tokens and their stems, and the literal values it carries.
// Planner steps share this instead of re-reading the text.
import { emailsIn, type NumberMention, normalize, numbersIn, quotedIn, rawTokens, stem, uuidsIn } from "./text.ts";

export interface Analysis {
  /** The request as the operator typed it. */
  original: string;
  normalized: string;
  /** Raw tokens of the normalized text, and their stems (same indexes). */
  tokens: readonly string[];
  stems: readonly string[];
  uuids: readonly string[];
  emails: readonly string[];
  quoted: readonly string[];
  numbers: readonly NumberMention[];
  /** The why of the request ("…, it is hung", "because of the freeze"), in the operator's words. */
  reason: string | null;
  /** A question (which / what / how … ?) rather than an instruction. */
  question: boolean;
  now: Date;
}

const REASON_MARKERS = /\b(?:because(?: of)?|since|due to|reason(?: is|:)?|as)\s+(.+)$/i;
const QUESTION_START =
  /^(?:which|what|what's|whats|who|whom|how|how's|is|are|was|were|does|do|did|when|where|why|has|have|list|show|any)\b/;
const POLITE =
  /^(?:(?:please|kindly|hey|ok|okay|so|now|then|can you|could you|would you|will you|i want to|i'd like to|i need to|let's|go ahead and|just)\s+)+/i;

function reasonOf(original: string): string | null {
  const text = original.trim().replace(/[.!]+$/, "");
  const marked = REASON_MARKERS.exec(text);
  if (marked?.[1] && marked[1].split(/\s+/).length >= 2) return marked[1].trim();
  // A trailing clause after a comma or dash, when it reads as a sentence rather than a list of names.
  const clause = /[,;:–—-]\s+([^,;]+)$/.exec(text)?.[1]?.trim();
  const length = clause?.split(/\s+/).length ?? 0;
  if (clause && (length >= 3 || (length === 2 && !/[\d-]/.test(clause)))) return clause;
  return null;
}

export function analyze(original: string, now: Date): Analysis {
  const trimmed = original.trim().replace(POLITE, "");
  const normalized = normalize(trimmed);
  const tokens = rawTokens(normalized);
  return {
    original,
    normalized,
    tokens,
    stems: tokens.map((t) => stem(t.replace(/[^a-z0-9_]+/g, "") || t)),
    uuids: uuidsIn(original),
    emails: emailsIn(original),
    quoted: quotedIn(original),
    numbers: numbersIn(tokens),
    reason: reasonOf(trimmed),
    question: QUESTION_START.test(normalized) || /\?\s*$/.test(original),
    now,
  };
}
