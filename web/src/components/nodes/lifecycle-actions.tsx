"use client";
// The instance's lifecycle buttons (spec/ui.md §7): each enabled only where the state machine, the
// hold and the viewer's scopes allow it, otherwise disabled with the reason as text tied to it by
// aria-describedby. Hold asks for a reason; Terminate asks for the instance's name to be typed.
// Every action goes through the gate: applied → the page refreshes, pending → the approval card
// inline, refused → the server's message.
import { useId, useState } from "react";
import { ApprovalCard } from "@/components/approval-card/approval-card";
import { type GatedOutcome, runGatedAction } from "./gated-action";
import { type InstanceControls, LIFECYCLE, type LifecycleAction, refusal, type Viewer } from "./lifecycle";
import styles from "./nodes.module.css";

type Shown = { action: LifecycleAction; outcome: GatedOutcome };

export function LifecycleActions({
  instance,
  viewer,
  onApplied,
}: {
  instance: InstanceControls & { id: string; name: string };
  viewer: Viewer | null;
  onApplied: (output: unknown) => void;
}) {
  const baseId = useId();
  const [busy, setBusy] = useState<LifecycleAction | null>(null);
  const [form, setForm] = useState<"hold" | "terminate" | null>(null);
  const [holdReason, setHoldReason] = useState("");
  const [typedName, setTypedName] = useState("");
  const [shown, setShown] = useState<Shown | null>(null);

  // Hold/Release and Cordon/Uncordon are toggles: the one that applies to the current state shows.
  const actions: LifecycleAction[] = [
    "start",
    "stop",
    "reboot",
    "terminate",
    instance.hold ? "release" : "hold",
    instance.cordoned_at ? "uncordon" : "cordon",
  ];

  async function run(action: LifecycleAction, extra: Record<string, unknown> = {}) {
    setBusy(action);
    setShown(null);
    const outcome = await runGatedAction(LIFECYCLE[action].operation, { id: instance.id, ...extra });
    setBusy(null);
    setShown({ action, outcome });
    if (outcome.status === "applied") {
      setForm(null);
      setHoldReason("");
      setTypedName("");
      onApplied(outcome.output);
    } else if (outcome.status === "pending_approval") {
      setForm(null);
    }
  }

  function press(action: LifecycleAction) {
    if (action === "hold" || action === "terminate") {
      setForm((f) => (f === action ? null : action));
      setShown(null);
      return;
    }
    void run(action);
  }

  return (
    <section className={styles.panel} aria-labelledby={`${baseId}-title`}>
      <h2 id={`${baseId}-title`} className={styles.panelTitle}>
        Lifecycle actions
      </h2>
      <ul className={styles.actions}>
        {actions.map((action) => {
          const why = refusal(action, instance, viewer);
          const reasonId = `${baseId}-${action}-why`;
          return (
            <li key={action} className={styles.action}>
              <button
                type="button"
                className={action === "terminate" ? "danger" : undefined}
                disabled={why !== null || busy !== null}
                aria-describedby={why ? reasonId : undefined}
                aria-expanded={action === "hold" || action === "terminate" ? form === action : undefined}
                onClick={() => press(action)}
              >
                {busy === action ? `${LIFECYCLE[action].label}…` : LIFECYCLE[action].label}
              </button>
              {why ? (
                <span id={reasonId} className={styles.why}>
                  {why}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
      {form === "hold" ? (
        <form
          className={styles.inlineForm}
          onSubmit={(e) => {
            e.preventDefault();
            if (holdReason.trim()) void run("hold", { reason: holdReason.trim() });
          }}
        >
          <label>
            <span>Why hold this instance?</span>
            <input value={holdReason} onChange={(e) => setHoldReason(e.target.value)} maxLength={500} required />
          </label>
          <button type="submit" className="primary" disabled={!holdReason.trim() || busy !== null}>
            Confirm
          </button>
          <button type="button" onClick={() => setForm(null)}>
            Close
          </button>
        </form>
      ) : null}
      {form === "terminate" ? (
        <form
          className={styles.inlineForm}
          onSubmit={(e) => {
            e.preventDefault();
            if (typedName === instance.name) void run("terminate");
          }}
        >
          <label>
            <span>
              Type <strong className="mono">{instance.name}</strong> to confirm termination
            </span>
            <input
              value={typedName}
              onChange={(e) => setTypedName(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </label>
          <button type="submit" className="danger" disabled={typedName !== instance.name || busy !== null}>
            Confirm termination
          </button>
          <button type="button" onClick={() => setForm(null)}>
            Close
          </button>
        </form>
      ) : null}
      <Outcome shown={shown} onDecided={() => onApplied(undefined)} />
    </section>
  );
}

function Outcome({ shown, onDecided }: { shown: Shown | null; onDecided: () => void }) {
  if (!shown) return <div role="status" className={styles.outcome} />;
  const label = LIFECYCLE[shown.action].label;
  const o = shown.outcome;
  if (o.status === "applied") {
    const task = (o.output as { task?: { command?: string; status?: string } } | undefined)?.task;
    return (
      <div role="status" className={styles.outcome}>
        {label} applied{task ? `: task ${task.command ?? ""} ${task.status ?? ""}`.trimEnd() : ""}.
      </div>
    );
  }
  if (o.status === "pending_approval") {
    return (
      <div className={styles.outcome}>
        <p role="status">
          {label} needs approval: {o.reason}
        </p>
        <ApprovalCard id={o.approval_request_id} onDecided={onDecided} />
      </div>
    );
  }
  return (
    <div role="alert" className="error-box">
      {label} refused: {o.message}
    </div>
  );
}
