// The entity an "Ask about this" attaches to the concierge drawer (spec/ui.md §1.6), its chip label,
// and how it rides along with a message. The API takes one plain `{text}` per turn, so the entity
// is written into the text — after the question, on its own line:
//   "is it running?\n\n(About instance gpu-7-a, id:0190…)"
// Why this shape (graphs/src/concierge/offline reads it; an LLM reads it as plain words):
// - after, not before: the offline model takes a request as a question when it starts with
//   is/what/which…, so a leading "About …" turned "is it running" into a reboot;
// - a nameable object by its name, its id glued as `id:<uuid>`: a name and a bare uuid are two
//   mentions of one object, and the offline planner runs the operation once per mention;
// - objects named only by id (events, approval requests), and instances that no longer resolve
//   by name (terminated), by the bare id, with nothing else the planner could rank on.
// Pure.

export type AskKind = "instance" | "node" | "approval request" | "event";

export interface AskContext {
  kind: AskKind;
  id: string;
  /** What the chip shows after the kind: a name, or what the object is (an event's kind). */
  label: string | null;
  /** The concierge may name it by `label` (a live name the resolver finds); else by id only. */
  byName: boolean;
}

/** The API's limit on one message's text (POST /api/v1/conversations/:id/messages). */
export const MAX_MESSAGE = 4000;

/** A name the resolvers match as one word: no spaces or punctuation that would split or wrap it. */
const ONE_WORD = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

export function chipLabel(c: AskContext): string {
  return c.label ? `${c.kind} ${c.label}` : `${c.kind} ${c.id}`;
}

/** The line appended to each message sent while the chip is attached. */
export function contextLine(c: AskContext): string {
  const named = c.byName && c.label !== null && ONE_WORD.test(c.label);
  return named ? `(About ${c.kind} ${c.label}, id:${c.id})` : `(About ${c.kind} ${c.id})`;
}

/** The text the API is sent for `question` with `c` attached (or the question itself). */
export function withContext(question: string, c: AskContext | null): string {
  const q = question.trim();
  return c ? `${q}\n\n${contextLine(c)}` : q;
}

/** How long the operator's own text may be so that, with the context line, it fits the API's limit. */
export function questionLimit(c: AskContext | null): number {
  return c ? MAX_MESSAGE - contextLine(c).length - 2 : MAX_MESSAGE;
}
