// One boot's phase ladder (spec/ui.md §7): every phase in boot order with its first and last event
// time, duration and count, or "no events". The phase of the selected event is marked as current.
import { ScrollRegion } from "../fleet/scroll-region";
import type { BootPhase } from "./boot-phases";
import { clockTime, formatSpan } from "./boot-playback";
import styles from "./boot-replay.module.css";
import type { BootEvent, PhaseRow } from "./boot-sessions";

export const PHASE_LABEL: Record<BootPhase, string> = {
  provisioning: "Provisioning",
  firmware: "Firmware",
  bootloader: "Bootloader",
  kernel: "Kernel",
  initramfs: "Initramfs",
  systemd: "systemd",
  enrollment: "Enrollment",
  heartbeat: "Heartbeat",
};

function At({ e, startedAt }: { e: BootEvent | null; startedAt: number }) {
  if (!e) return null;
  return (
    <>
      <time dateTime={e.event.emitted_at} title={e.event.emitted_at}>
        {clockTime(e.at)}
      </time>{" "}
      <span className={styles.muted}>+{formatSpan(e.at - startedAt)}</span>
    </>
  );
}

export function BootLadder({
  rows,
  startedAt,
  activePhase,
}: {
  rows: PhaseRow[];
  startedAt: number;
  activePhase: BootPhase | null;
}) {
  const silent = rows.filter((r) => !r.reported).map((r) => PHASE_LABEL[r.phase]);
  return (
    <ScrollRegion label="Boot phases">
      <table className={styles.ladder}>
        <caption className={styles.caption}>
          Boot phases in order; times in UTC, with the offset from the start of this boot.
          {silent.length
            ? ` No Nodepilot component reports ${silent.join(", ")} yet, so those phases show no events.`
            : ""}
        </caption>
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">First</th>
            <th scope="col">Last</th>
            <th scope="col">Duration</th>
            <th scope="col">Events</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.phase}
              aria-current={r.phase === activePhase ? "step" : undefined}
              className={r.phase === activePhase ? styles.activeRow : undefined}
            >
              <th scope="row">
                {PHASE_LABEL[r.phase]}
                {r.phase === activePhase ? <span className="visually-hidden"> (selected event)</span> : null}
              </th>
              {r.count === 0 ? (
                <td colSpan={4} className={styles.muted}>
                  no events
                </td>
              ) : (
                <>
                  <td>
                    <At e={r.first} startedAt={startedAt} />
                  </td>
                  <td>
                    <At e={r.last} startedAt={startedAt} />
                  </td>
                  <td>{formatSpan(r.durationMs ?? 0)}</td>
                  <td>{r.count}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
