// State machines as data: a transition table plus a pure `transition(state, event)` (DESIGN.md §3.6).
import { conflict } from "../errors.ts";

export interface TransitionRule<S extends string, E extends string> {
  event: E;
  from: readonly S[] | "any_non_final";
  to: S;
}

export interface Machine<S extends string, E extends string> {
  name: string;
  states: readonly S[];
  initial: S;
  final: readonly S[];
  rules: readonly TransitionRule<S, E>[];
}

export type TransitionResult<S extends string, E extends string> =
  | { ok: true; from: S; to: S; event: E }
  | { ok: false; current_state: S; event: E; allowed_events: E[] };

function applies<S extends string, E extends string>(m: Machine<S, E>, rule: TransitionRule<S, E>, state: S) {
  return rule.from === "any_non_final" ? !m.final.includes(state) : rule.from.includes(state);
}

export function allowedEvents<S extends string, E extends string>(m: Machine<S, E>, state: S): E[] {
  return [...new Set(m.rules.filter((r) => applies(m, r, state)).map((r) => r.event))];
}

export function transition<S extends string, E extends string>(
  m: Machine<S, E>,
  state: S,
  event: E,
): TransitionResult<S, E> {
  const rule = m.rules.find((r) => r.event === event && applies(m, r, state));
  if (!rule) return { ok: false, current_state: state, event, allowed_events: allowedEvents(m, state) };
  return { ok: true, from: state, to: rule.to, event };
}

/** The same as `transition`, throwing `conflict`/`invalid_transition` for an illegal event. */
export function mustTransition<S extends string, E extends string>(m: Machine<S, E>, state: S, event: E, what: string) {
  const r = transition(m, state, event);
  if (!r.ok) {
    throw conflict(`cannot ${event} ${what} in state ${state}`, {
      reason: "invalid_transition",
      current_state: state,
      details: { event, allowed_events: r.allowed_events },
    });
  }
  return r;
}
