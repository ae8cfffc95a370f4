"use client";
// The instance's tasks (spec/ui.md §7 Tasks): command, status, progress, attempts and times, with
// Cancel for tasks not yet started (pending, leased) and Abort for running ones, through the gate.
import { useState } from "react";
import { ApprovalCard } from "@/components/approval-card/approval-card";
import { type Failure, FailureState } from "../fleet/fetch-states";
import { shortId } from "../fleet/format";
import { TimeAt } from "../fleet/relative-time";
import { ScrollRegion } from "../fleet/scroll-region";
import { StatusBadge } from "../fleet/severity-badge";
import { runGatedAction } from "./gated-action";
import styles from "./nodes.module.css";
import type { TaskOut } from "./types";

const CANCELLABLE = ["pending", "leased"];

export function InstanceTasks({
  tasks,
  failure,
  now,
  onRetry,
  onChanged,
}: {
  tasks: TaskOut[] | null;
  failure: Failure | null;
  now: number;
  onRetry: () => void;
  onChanged: () => void;
}) {
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function act(task: TaskOut, verb: "cancel" | "abort") {
    setBusy(task.id);
    setMessage(null);
    setPending(null);
    const input = verb === "cancel" ? { id: task.id, reason: "cancelled from the instance page" } : { id: task.id };
    const o = await runGatedAction(`task.${verb}`, input);
    setBusy(null);
    if (o.status === "applied") {
      setMessage({ text: `Task ${task.command} ${verb === "cancel" ? "cancelled" : "aborted"}.`, error: false });
      onChanged();
    } else if (o.status === "pending_approval") {
      setPending(o.approval_request_id);
    } else {
      setMessage({ text: `Could not ${verb} task ${task.command}: ${o.message}`, error: true });
    }
  }

  return (
    <section className={styles.panel} aria-labelledby="instance-tasks-title">
      <h2 id="instance-tasks-title" className={styles.panelTitle}>
        Tasks
      </h2>
      <div role="status">{message && !message.error ? message.text : null}</div>
      {message?.error ? (
        <div role="alert" className="error-box">
          {message.text}
        </div>
      ) : null}
      {pending ? <ApprovalCard id={pending} onDecided={onChanged} /> : null}
      {failure ? <FailureState failure={failure} what="the instance's tasks" onRetry={onRetry} /> : null}
      {tasks && tasks.length === 0 ? <p className={styles.muted}>No tasks for this instance yet.</p> : null}
      {tasks && tasks.length > 0 ? (
        <ScrollRegion label="Tasks table">
          <table>
            <caption className="visually-hidden">Tasks of this instance, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Command</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Attempt</th>
                <th scope="col">Created</th>
                <th scope="col">Finished</th>
                <th scope="col">Error</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr key={t.id}>
                  <td>
                    <span className="mono">{t.command}</span>
                    <div className={styles.muted}>{shortId(t.id)}</div>
                  </td>
                  <td>
                    <StatusBadge status={t.status} />
                    {t.cancel_reason ? <div className={styles.muted}>{t.cancel_reason}</div> : null}
                  </td>
                  <td>{t.progress}%</td>
                  <td>
                    {t.attempt}/{t.max_attempts}
                  </td>
                  <td>
                    <TimeAt iso={t.created_at} now={now} />
                  </td>
                  <td>{t.completed_at ? <TimeAt iso={t.completed_at} now={now} /> : "—"}</td>
                  <td className={styles.error}>{t.error_message ?? ""}</td>
                  <td>
                    {CANCELLABLE.includes(t.status) ? (
                      <button
                        type="button"
                        aria-label={`Cancel task ${shortId(t.id)}`}
                        disabled={busy !== null}
                        onClick={() => void act(t, "cancel")}
                      >
                        Cancel
                      </button>
                    ) : t.status === "running" ? (
                      <button
                        type="button"
                        aria-label={`Abort task ${shortId(t.id)}`}
                        disabled={busy !== null}
                        onClick={() => void act(t, "abort")}
                      >
                        Abort
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </section>
  );
}
