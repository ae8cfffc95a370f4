"use client";
// Play, pause and step through one boot's events (spec/ui.md §7), at 1×, 4× or 16× their real
// spacing. The status line says where playback is and when a long gap was shortened.
import { useId } from "react";
import { PHASE_LABEL } from "./boot-ladder";
import { formatSpan, MAX_WAIT_MS, SPEEDS, type Speed } from "./boot-playback";
import styles from "./boot-replay.module.css";
import type { BootEvent } from "./boot-sessions";

export interface PlayerState {
  playing: boolean;
  speed: Speed;
  /** The real gap before the current event when playback shortened it. */
  shortenedGapMs: number | null;
}

export function BootPlayer({
  events,
  index,
  state,
  onPlay,
  onPause,
  onStep,
  onSpeed,
}: {
  events: BootEvent[];
  index: number;
  state: PlayerState;
  onPlay: () => void;
  onPause: () => void;
  onStep: (by: -1 | 1) => void;
  onSpeed: (s: Speed) => void;
}) {
  const speedLabel = useId();
  const current = events[index];
  const atEnd = index >= events.length - 1;
  return (
    <div className={styles.player}>
      <div className={styles.controls}>
        <button type="button" onClick={() => onStep(-1)} disabled={index <= 0}>
          <span aria-hidden="true">◀ </span>Step back
        </button>
        {state.playing ? (
          <button type="button" className="primary" onClick={onPause}>
            Pause
          </button>
        ) : (
          <button type="button" className="primary" onClick={onPlay} disabled={events.length < 2}>
            {atEnd && events.length > 1 ? "Replay from start" : "Play"}
          </button>
        )}
        <button type="button" onClick={() => onStep(1)} disabled={atEnd}>
          Step forward<span aria-hidden="true"> ▶</span>
        </button>
        <fieldset className={styles.speeds} aria-labelledby={speedLabel}>
          <legend id={speedLabel} className={styles.speedLegend}>
            Speed
          </legend>
          {SPEEDS.map((s) => (
            <label key={s} className={styles.speed}>
              <input type="radio" name={speedLabel} checked={state.speed === s} onChange={() => onSpeed(s)} />
              {s}×
            </label>
          ))}
        </fieldset>
      </div>
      <p className={styles.muted}>
        Play moves through the events at {SPEEDS.map((s) => `${s}×`).join(", ")} their real spacing; any wait longer
        than {MAX_WAIT_MS / 1000} s is shortened to {MAX_WAIT_MS / 1000} s so a long gap does not stall the replay.
      </p>
      <p role="status" className={styles.playStatus}>
        {current
          ? `Event ${index + 1} of ${events.length}: ${current.event.kind} (${PHASE_LABEL[current.phase]})${
              state.playing ? `, playing at ${state.speed}×` : ""
            }${state.shortenedGapMs !== null ? ` — a ${formatSpan(state.shortenedGapMs)} gap was shortened` : ""}.`
          : `${events.length} events.`}
      </p>
    </div>
  );
}
