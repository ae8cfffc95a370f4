"use client";
// Edit mode of the approval card: the action's fields as typed controls (or the whole of it as
// JSON), checked before anything is sent, a before/after diff of what will change, and "Approve
// edited action", which approves the edit in one request (the API gives it a new digest).
import { type ReactNode, useEffect, useId, useMemo, useRef, useState } from "react";
import { prettyJson } from "@/lib/format";
import {
  type Draft,
  type EditField,
  type EditSubject,
  editParams,
  initialDraft,
  type Read,
  readDraft,
  readJson,
} from "./action-edit";
import styles from "./approval-card.module.css";
import { jsonChanges } from "./approval-model";
import type { OperationInfo } from "./operation-info";

const MAX_REASON = 500;

function FieldControl({
  field: f,
  id,
  value,
  error,
  onChange,
  focusRef,
}: {
  field: EditField;
  id: string;
  value: string | boolean;
  error: string | null;
  onChange: (v: string | boolean) => void;
  /** Set on the first editable field, which takes focus when the editor opens. */
  focusRef?: (el: HTMLElement | null) => void;
}) {
  const hint = f.schema?.description ?? null;
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
  } as const;
  const ref = focusRef;
  let control: ReactNode;
  if (f.kind === "boolean") {
    control = (
      <input
        {...common}
        ref={ref}
        type="checkbox"
        checked={value === true}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  } else if (f.kind === "enum") {
    control = (
      <select {...common} ref={ref} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {f.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (f.kind === "number") {
    control = (
      <input
        {...common}
        ref={ref}
        type="number"
        step={f.integer ? 1 : "any"}
        min={f.schema?.minimum ?? undefined}
        max={f.schema?.maximum ?? undefined}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else if (f.kind === "json" || (typeof value === "string" && (value.includes("\n") || value.length > 80))) {
    control = (
      <textarea
        {...common}
        ref={ref}
        rows={f.kind === "json" ? Math.min(8, String(value).split("\n").length + 1) : 3}
        className={f.kind === "json" ? "mono" : undefined}
        spellCheck={f.kind === "json" ? false : undefined}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        ref={ref}
        type="text"
        maxLength={f.schema?.maxLength ?? undefined}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={f.kind === "boolean" ? styles.editCheck : styles.editField}>
      {f.kind === "boolean" && control}
      <label htmlFor={id} className="mono">
        {f.key}
        {f.kind === "json" && <span className={styles.muted}> (JSON)</span>}
      </label>
      {f.kind !== "boolean" && control}
      {hint && (
        <p id={`${id}-hint`} className={styles.muted}>
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className={styles.fieldError}>
          {f.key} {error}
        </p>
      )}
    </div>
  );
}

export function ActionEditor({
  subject,
  fields,
  info,
  schemaNote,
  busy,
  onApprove,
  onCancel,
}: {
  subject: EditSubject;
  fields: EditField[];
  info: OperationInfo | null;
  /** Where the field types come from, in words (the API's schema, or the planned values). */
  schemaNote: string;
  busy: boolean;
  onApprove: (params: Record<string, unknown>, comment: string) => Promise<boolean>;
  onCancel: () => void;
}) {
  const id = useId();
  const [mode, setMode] = useState<"fields" | "json">("fields");
  const [draft, setDraft] = useState<Draft>(() => initialDraft(fields));
  const [json, setJson] = useState(() => prettyJson(subject.root));
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const first = useRef<HTMLElement | null>(null);
  const jsonBox = useRef<HTMLTextAreaElement>(null);
  const editable = fields.filter((f) => !f.locked);
  const locked = fields.filter((f) => f.locked);
  // Inputs the operation takes that the plan left out: they can be added in JSON.
  const addable = info
    ? Object.entries(info.fields).filter(
        ([k]) => !(k in subject.root) && k !== "idempotency_key" && !info.pathParams.includes(k),
      )
    : [];

  useEffect(() => {
    first.current?.focus();
  }, []);

  const read: Read = useMemo(
    () => (mode === "fields" ? readDraft(fields, draft) : readJson(subject, fields, info, json)),
    [mode, fields, draft, subject, info, json],
  );
  const changes = useMemo(() => jsonChanges(subject.root, read.value), [subject.root, read.value]);
  const errorOf = (key: string) => read.errors.find((e) => e.path === key)?.message ?? null;

  const switchMode = () => {
    setMessage(null);
    if (mode === "fields") {
      setJson(prettyJson(read.value));
      setMode("json");
      return;
    }
    if (read.errors.length > 0) {
      setMessage("Fix the JSON first: the fields can only show a valid edit.");
      jsonBox.current?.focus();
      return;
    }
    const next: Draft = { ...draft };
    for (const f of fields) {
      if (!(f.key in read.value)) continue;
      const v = read.value[f.key];
      next[f.key] = f.kind === "boolean" ? v === true : f.kind === "json" ? prettyJson(v) : String(v);
    }
    const dropped = Object.keys(read.value).filter((k) => !fields.some((f) => f.key === k));
    setDraft(next);
    setMode("fields");
    if (dropped.length > 0)
      setMessage(`The fields view shows the planned fields only; ${dropped.join(", ")} left out.`);
  };

  const submit = async () => {
    if (read.errors.length > 0) {
      setMessage(`Not sent: ${read.errors.map((e) => `${e.path} ${e.message}`).join("; ")}.`);
      const bad = read.errors[0]!.path;
      const index = fields.findIndex((f) => f.key === bad);
      if (mode === "json") jsonBox.current?.focus();
      else if (index >= 0) document.getElementById(`${id}-f${index}`)?.focus();
      return;
    }
    if (changes.length === 0) {
      setMessage("Nothing changed yet: change a field, or cancel and use Approve.");
      return;
    }
    setMessage(null);
    await onApprove(editParams(subject, read.value), reason.trim());
  };

  const firstEditable = editable[0]?.key;
  return (
    <form className={styles.form} aria-labelledby={`${id}-title`} onSubmit={(e) => e.preventDefault()}>
      <p id={`${id}-title`} className={styles.editTitle}>
        Edit the action{subject.kind === "call" && subject.operation ? ` — input of ${subject.operation}` : ""}
      </p>
      <p className={styles.muted}>{schemaNote}</p>
      {locked.length > 0 && (
        <ul className={styles.locked}>
          {locked.map((f) => (
            <li key={f.key}>
              <code>{f.key}</code> <code>{prettyJson(f.original)}</code>{" "}
              <span className={styles.muted}>— fixed: it {f.locked}</span>
            </li>
          ))}
        </ul>
      )}
      <div>
        <button type="button" className={styles.small} aria-pressed={mode === "json"} onClick={switchMode}>
          Edit as JSON
        </button>
      </div>
      {mode === "fields" ? (
        editable.length === 0 ? (
          <p>No field of this action can change; edit it as JSON to add one the operation accepts.</p>
        ) : (
          <fieldset className={styles.editFields}>
            <legend className="visually-hidden">
              {subject.kind === "call" ? `Input of ${subject.operation}` : "Params of the action"}
            </legend>
            {fields.map((f, i) =>
              f.locked ? null : (
                <FieldControl
                  key={f.key}
                  field={f}
                  id={`${id}-f${i}`}
                  value={draft[f.key] ?? ""}
                  error={errorOf(f.key)}
                  focusRef={
                    f.key === firstEditable
                      ? (el) => {
                          first.current = el;
                        }
                      : undefined
                  }
                  onChange={(v) => setDraft((d) => ({ ...d, [f.key]: v }))}
                />
              ),
            )}
          </fieldset>
        )
      ) : (
        <div className={styles.editField}>
          <label htmlFor={`${id}-json`}>The whole {subject.kind === "call" ? "input" : "params"} as JSON</label>
          <textarea
            id={`${id}-json`}
            ref={(el) => {
              jsonBox.current = el;
              first.current = el;
            }}
            className="mono"
            rows={Math.min(16, json.split("\n").length + 1)}
            spellCheck={false}
            value={json}
            aria-invalid={read.errors.length > 0 ? true : undefined}
            aria-describedby={read.errors.length > 0 ? `${id}-json-errors` : undefined}
            onChange={(e) => setJson(e.target.value)}
          />
          {subject.kind === "call" && addable.length > 0 && (
            <p className={styles.muted}>
              {info?.operation} also takes:{" "}
              {addable.map(([k, f]) => `${k} (${f.types.join(" or ") || "any"})`).join(", ")}.
            </p>
          )}
          {read.errors.length > 0 && (
            <ul id={`${id}-json-errors`} className={styles.fieldError}>
              {read.errors.map((e) => (
                <li key={`${e.path}:${e.message}`}>
                  {e.path} {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className={styles.diff}>
        {changes.length === 0 ? (
          <p>No changes yet.</p>
        ) : (
          <table>
            <caption className={styles.editTitle}>What will change</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr key={c.path}>
                  <th scope="row" className="mono">
                    {c.path}
                  </th>
                  <td>
                    <del className="mono">{c.before === undefined ? "(absent)" : prettyJson(c.before)}</del>
                  </td>
                  <td>
                    <ins className="mono">{c.after === undefined ? "(removed)" : prettyJson(c.after)}</ins>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <label htmlFor={`${id}-reason`}>Approval comment (optional)</label>
      <textarea
        id={`${id}-reason`}
        rows={2}
        maxLength={MAX_REASON}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <p className={styles.muted}>
        Your approval binds to the edited action: it gets a new digest, approvals already given to this one are void,
        and the approval chain starts again with yours.
      </p>
      {message && (
        <p role="alert" className={styles.error}>
          {message}
        </p>
      )}
      <div className={styles.buttons}>
        <button type="button" className="primary" disabled={busy} onClick={() => void submit()}>
          {busy ? "Approving…" : "Approve edited action"}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>
          Cancel edit
        </button>
      </div>
    </form>
  );
}
