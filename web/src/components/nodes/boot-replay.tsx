"use client";
// The instance page's Boot replay (spec/ui.md §7): a boot selector (newest first), the selected
// boot's phase ladder, its events with a detail pane, playback, and the comparison with the boot
// before it. The first render comes from the server; live events for this instance are added as
// they arrive, and a resync from the stream reads everything again.
import { useCallback, useEffect, useId, useMemo, useState } from "react";
import { api } from "@/lib/api-client";
import { useFleetEvents } from "../fleet/event-stream";
import { EmptyState, type Failure, FailureState, toFailure } from "../fleet/fetch-states";
import type { FleetEvent, ListResponse } from "../fleet/types";
import { BootCompare } from "./boot-compare";
import { type BootEventsRead, type EventsGetter, readBootEvents } from "./boot-events-read";
import { BootLadder } from "./boot-ladder";
import { bootPhaseOf, CAUSE_LABEL } from "./boot-phases";
import { dateTime, formatSpan, playbackWait } from "./boot-playback";
import { BootPlayer, type PlayerState } from "./boot-player";
import { type ReplayQuery, withReplayQuery } from "./boot-query";
import styles from "./boot-replay.module.css";
import { type BootSession, bootSessions, type CurrentBoot, phaseLadder } from "./boot-sessions";
import { BootTimeline } from "./boot-timeline";
import nodeStyles from "./nodes.module.css";

const clientGet: EventsGetter = (path) =>
  api<ListResponse<FleetEvent>>("GET", path).then(
    (value) => ({ ok: true, value }),
    (err) => ({ ok: false, ...toFailure(err) }),
  );

type Loaded = { events: FleetEvent[]; since: string | null };

export function BootReplay({
  instanceId,
  current,
  initial,
  query,
}: {
  instanceId: string;
  current: CurrentBoot;
  initial: BootEventsRead;
  query: ReplayQuery;
}) {
  const [data, setData] = useState<Loaded | null>(initial.ok ? initial : null);
  const [failure, setFailure] = useState<Failure | null>(initial.ok ? null : initial);
  const [bootKey, setBootKey] = useState(query.boot);
  const [eventId, setEventId] = useState(query.event);
  const [compare, setCompare] = useState(query.compare);
  const [player, setPlayer] = useState<PlayerState>({ playing: false, speed: 1, shortenedGapMs: null });
  const selectId = useId();

  const reload = useCallback(() => {
    readBootEvents(clientGet, instanceId).then((r) => {
      if (r.ok) {
        setData(r);
        setFailure(null);
      } else setFailure({ status: r.status, problem: r.problem });
    });
  }, [instanceId]);

  useFleetEvents((batch) => {
    const mine = batch.filter((e) => e.node_instance_id === instanceId && bootPhaseOf(e) !== null);
    if (mine.length) setData((d) => (d ? { ...d, events: [...d.events, ...mine] } : d));
  }, reload);

  const { bootId, lastHeartbeatAt } = current;
  const sessions = useMemo(
    () => (data ? bootSessions(data.events, { bootId, lastHeartbeatAt }) : []),
    [data, bootId, lastHeartbeatAt],
  );
  const session = sessions.find((s) => s.key === bootKey) ?? sessions[0] ?? null;
  const previous = session ? (sessions[sessions.indexOf(session) + 1] ?? null) : null;
  const events = session?.events ?? [];
  const found = events.findIndex((e) => e.event.id === eventId);
  const index = events.length === 0 ? -1 : Math.max(0, found);

  useEffect(() => {
    const search = withReplayQuery(window.location.search, { boot: bootKey, event: eventId, compare });
    if (search !== window.location.search) {
      window.history.replaceState(null, "", `${window.location.pathname}${search}${window.location.hash}`);
    }
  }, [bootKey, eventId, compare]);

  useEffect(() => {
    if (!player.playing) return;
    const cur = events[index];
    const next = events[index + 1];
    if (!cur || !next) {
      setPlayer((p) => ({ ...p, playing: false }));
      return;
    }
    const { waitMs, shortened } = playbackWait(cur.at, next.at, player.speed);
    const t = setTimeout(() => {
      setEventId(next.event.id);
      setPlayer((p) => ({ ...p, shortenedGapMs: shortened ? next.at - cur.at : null }));
    }, waitMs);
    return () => clearTimeout(t);
  }, [player.playing, player.speed, events, index]);

  // Selecting within a boot pins it, so a new boot arriving live does not move the view away.
  const select = (s: BootSession, i: number) => {
    setBootKey(s.key);
    setEventId(s.events[i]?.event.id ?? null);
  };

  return (
    <section className={nodeStyles.panel} aria-labelledby="boot-replay-title">
      <h2 id="boot-replay-title" className={nodeStyles.panelTitle}>
        Boot replay
      </h2>
      {failure && !data ? <FailureState failure={failure} what="the boot events" onRetry={reload} /> : null}
      {failure && data ? (
        <div role="alert" className={`error-box ${styles.stale}`}>
          <span>
            Could not refresh the boot events: {failure.problem.detail ?? `HTTP ${failure.status}`}. Newer boot events
            are unknown; showing what was read before.
          </span>
          <button type="button" onClick={reload}>
            Retry
          </button>
        </div>
      ) : null}
      {data && !session ? <EmptyState>No boot events recorded for this instance yet.</EmptyState> : null}
      {data && session ? (
        <div className={styles.replay}>
          <div className={styles.toolbar}>
            <div className={styles.field}>
              <label htmlFor={selectId}>Boot</label>
              <select
                id={selectId}
                value={session.key}
                onChange={(e) => {
                  setBootKey(e.target.value);
                  setEventId(null);
                  setPlayer((p) => ({ ...p, playing: false, shortenedGapMs: null }));
                }}
              >
                {sessions.map((s, i) => (
                  <option key={s.key} value={s.key}>
                    {sessionLabel(s)}
                    {i === 0 ? " (latest)" : ""}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="button"
              aria-pressed={compare && previous !== null}
              disabled={!previous}
              onClick={() => setCompare((c) => !c)}
            >
              Compare with previous boot
            </button>
            {previous ? null : <span className={styles.muted}>No earlier boot is recorded to compare with.</span>}
          </div>
          {data.since ? (
            <p className={styles.muted}>
              Only events since <time dateTime={data.since}>{data.since}</time> were read; older boots are not shown.
            </p>
          ) : null}
          <SessionFacts session={session} />
          <BootLadder
            rows={phaseLadder(session)}
            startedAt={session.startedAt}
            activePhase={events[index]?.phase ?? null}
          />
          {compare && previous ? <BootCompare current={session} previous={previous} /> : null}
          <BootPlayer
            events={events}
            index={index}
            state={player}
            onPlay={() => {
              const restart = index >= events.length - 1;
              select(session, restart ? 0 : index);
              setPlayer((p) => ({ ...p, playing: true, shortenedGapMs: null }));
            }}
            onPause={() => setPlayer((p) => ({ ...p, playing: false }))}
            onStep={(by) => {
              setPlayer((p) => ({ ...p, playing: false, shortenedGapMs: null }));
              select(session, Math.min(events.length - 1, Math.max(0, index + by)));
            }}
            onSpeed={(speed) => setPlayer((p) => ({ ...p, speed }))}
          />
          <BootTimeline
            events={events}
            startedAt={session.startedAt}
            index={index}
            onSelect={(i) => select(session, i)}
          />
        </div>
      ) : null}
    </section>
  );
}

function sessionLabel(s: BootSession): string {
  const cause = s.cause ? CAUSE_LABEL[s.cause] : "began before the events read";
  return `${dateTime(s.startedAt)} — ${cause}${s.reason ? ` (${s.reason})` : ""}, ${s.events.length} events`;
}

function SessionFacts({ session }: { session: BootSession }) {
  const start = session.events[0]?.event.emitted_at;
  return (
    <dl className={styles.sessionFacts}>
      <dt>Started</dt>
      <dd>
        <time dateTime={start} className="mono">
          {start}
        </time>{" "}
        ({session.cause ? CAUSE_LABEL[session.cause] : "began before the events read"}
        {session.reason ? `: ${session.reason}` : ""})
      </dd>
      <dt>Spans</dt>
      <dd>
        {formatSpan(session.endedAt - session.startedAt)} over {session.events.length} events
      </dd>
      <dt>Boot id</dt>
      <dd>
        {session.bootId ? (
          <>
            <span className="mono">{session.bootId}</span> (the boot the agent reports now)
          </>
        ) : (
          "not recorded: fleet events do not carry the agent's boot id"
        )}
      </dd>
    </dl>
  );
}
