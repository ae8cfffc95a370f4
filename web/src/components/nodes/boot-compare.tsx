// "Compare with previous boot" (spec/ui.md §7): per phase, how long it took in this boot and the one
// before, and how long after the boot's start it was reached, with the differences. A phase without
// events in either boot has no difference to show, and says so.
import { ScrollRegion } from "../fleet/scroll-region";
import { PHASE_LABEL } from "./boot-ladder";
import { dateTime, formatDelta, formatSpan } from "./boot-playback";
import styles from "./boot-replay.module.css";
import { type BootSession, comparePhases } from "./boot-sessions";

const span = (ms: number | null) => (ms === null ? "no events" : formatSpan(ms));
const delta = (ms: number | null) => (ms === null ? "—" : formatDelta(ms));
const tone = (ms: number | null) =>
  ms === null || Math.abs(ms) < 50 ? undefined : ms > 0 ? styles.slower : styles.faster;

export function BootCompare({ current, previous }: { current: BootSession; previous: BootSession }) {
  const { rows, total } = comparePhases(current, previous);
  return (
    <ScrollRegion label="Comparison with the previous boot">
      <table className={styles.ladder}>
        <caption className={styles.caption}>
          This boot compared with the previous one, started {dateTime(previous.startedAt)}. A positive difference means
          this boot took longer; — means a phase has no events in one of the two boots.
        </caption>
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Duration (this)</th>
            <th scope="col">Duration (previous)</th>
            <th scope="col">Δ duration</th>
            <th scope="col">Reached after (this / previous)</th>
            <th scope="col">Δ reached</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.phase}>
              <th scope="row">{PHASE_LABEL[r.phase]}</th>
              <td>{span(r.current)}</td>
              <td>{span(r.previous)}</td>
              <td className={tone(r.deltaMs)}>{delta(r.deltaMs)}</td>
              <td>
                {span(r.reachedCurrent)} / {span(r.reachedPrevious)}
              </td>
              <td className={tone(r.reachedDeltaMs)}>{delta(r.reachedDeltaMs)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Whole boot</th>
            <td>{formatSpan(total.current)}</td>
            <td>{formatSpan(total.previous)}</td>
            <td className={tone(total.deltaMs)}>{formatDelta(total.deltaMs)}</td>
            <td colSpan={2} />
          </tr>
        </tbody>
      </table>
    </ScrollRegion>
  );
}
