// An instance's boot events cut into boot sessions (newest first), each session's phase ladder, and
// the per-phase comparison with the boot before it (spec/ui.md §7 "Boot replay"). Pure: the replay
// component and its tests feed it the events as event.list returns them.
import type { FleetEvent } from "../fleet/types";
import {
  BOOT_PHASES,
  type BootCause,
  type BootPhase,
  bootCauseOf,
  bootPhaseOf,
  marksBootUp,
  REPORTED_PHASES,
} from "./boot-phases";

export interface BootEvent {
  event: FleetEvent;
  phase: BootPhase;
  /** When it happened (emitted_at), in epoch ms. */
  at: number;
}

export interface BootSession {
  /** The id of its first event: stable while that event is loaded, so it can live in the URL. */
  key: string;
  /** What began it; null when it began before the oldest loaded event. */
  cause: BootCause | null;
  /** The reason the request gave (a reboot's "kernel update"), when it gave one. */
  reason: string | null;
  /** Oldest first. */
  events: BootEvent[];
  startedAt: number;
  endedAt: number;
  /** The agent's boot id, known only for the boot the instance reports now (no event carries one). */
  bootId: string | null;
}

const atOf = (e: FleetEvent) => {
  const t = Date.parse(e.emitted_at);
  return Number.isNaN(t) ? Date.parse(e.created_at) : t;
};

/** Boot events only, deduplicated, oldest first (by time, then by commit order). */
export function bootEventsOf(events: readonly FleetEvent[]): BootEvent[] {
  const seen = new Set<string>();
  const out: BootEvent[] = [];
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const phase = bootPhaseOf(event);
    if (phase) out.push({ event, phase, at: atOf(event) });
  }
  return out.sort((a, b) => a.at - b.at || a.event.seq - b.event.seq);
}

/** What the instance row says about the boot it runs now. */
export interface CurrentBoot {
  bootId: string | null;
  lastHeartbeatAt: string | null;
}

/** The sessions, newest first. */
export function bootSessions(events: readonly FleetEvent[], current: CurrentBoot): BootSession[] {
  const sessions: BootSession[] = [];
  let open: BootSession | null = null;
  for (const be of bootEventsOf(events)) {
    const cause = bootCauseOf(be.event);
    if (!open || cause) {
      const reason = typeof be.event.payload.reason === "string" ? be.event.payload.reason : null;
      open = { key: be.event.id, cause, reason, events: [], startedAt: be.at, endedAt: be.at, bootId: null };
      sessions.push(open);
    }
    open.events.push(be);
    open.endedAt = be.at;
  }
  // The row's boot id is the newest session's once a heartbeat arrived after that boot came up; before
  // that (a reboot still pending) the beats are the previous boot's.
  const newest = sessions.at(-1);
  const up = newest?.events.find((e) => marksBootUp(e.event));
  const beat = current.lastHeartbeatAt ? Date.parse(current.lastHeartbeatAt) : Number.NaN;
  if (newest && up && current.bootId && beat >= up.at) newest.bootId = current.bootId;
  return sessions.reverse();
}

export interface PhaseRow {
  phase: BootPhase;
  count: number;
  first: BootEvent | null;
  last: BootEvent | null;
  /** last − first; null without events. */
  durationMs: number | null;
  /** From the session's start to this phase's first event; null without events. */
  reachedMs: number | null;
  /** Some Nodepilot component emits events for this phase. */
  reported: boolean;
}

export function phaseLadder(session: BootSession): PhaseRow[] {
  return BOOT_PHASES.map((phase) => {
    const list = session.events.filter((e) => e.phase === phase);
    const first = list[0] ?? null;
    const last = list.at(-1) ?? null;
    return {
      phase,
      count: list.length,
      first,
      last,
      durationMs: first && last ? last.at - first.at : null,
      reachedMs: first ? first.at - session.startedAt : null,
      reported: REPORTED_PHASES.includes(phase),
    };
  });
}

export interface PhaseDelta {
  phase: BootPhase;
  current: number | null;
  previous: number | null;
  /** current − previous; null unless both boots have events in the phase. */
  deltaMs: number | null;
  reachedCurrent: number | null;
  reachedPrevious: number | null;
  reachedDeltaMs: number | null;
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

export function comparePhases(current: BootSession, previous: BootSession) {
  const cur = phaseLadder(current);
  const prev = phaseLadder(previous);
  const rows: PhaseDelta[] = cur.map((c, i) => {
    const p = prev[i] as PhaseRow;
    return {
      phase: c.phase,
      current: c.durationMs,
      previous: p.durationMs,
      deltaMs: diff(c.durationMs, p.durationMs),
      reachedCurrent: c.reachedMs,
      reachedPrevious: p.reachedMs,
      reachedDeltaMs: diff(c.reachedMs, p.reachedMs),
    };
  });
  const total = {
    current: current.endedAt - current.startedAt,
    previous: previous.endedAt - previous.startedAt,
    deltaMs: current.endedAt - current.startedAt - (previous.endedAt - previous.startedAt),
  };
  return { rows, total };
}
