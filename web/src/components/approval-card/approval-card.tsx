"use client";
// THE approval card (spec/ui.md §1.3, §3.4): one component for every gated action, in chat and on
// the approvals pages. It reads the request, shows the exact action, what it touches and why it
// waits, takes an Approve/Reject bound to the digest shown (or an approval of an edited action),
// and follows decisions and changes made elsewhere live (fleet events, or polling while the event
// stream is down).
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { useLiveEvents, useLiveStatus } from "@/components/shell/live-events";
import { useSession } from "@/components/shell/session-context";
import { ApiError, api } from "@/lib/api-client";
import { type ApprovalRequest, approvalPath, type ExecutionStatus } from "@/lib/approval-types";
import { prettyJson } from "@/lib/format";
import { hasScope } from "@/lib/session";
import { editBlocker, editFields, editSubjectOf } from "./action-edit";
import { ActionEditor } from "./action-editor";
import styles from "./approval-card.module.css";
import { ApprovalDetails } from "./approval-details";
import {
  type Change,
  decisionErrorText,
  displayState,
  executionSettled,
  jsonChanges,
  ownRefusal,
} from "./approval-model";
import { ApprovalOutcome } from "./approval-outcome";
import { blastTargetOf, plannedRadiusOf } from "./blast-radius";
import { BlastRadius } from "./blast-radius-view";
import { DecisionForm } from "./decision-form";
import { useBlastRadius } from "./use-blast-radius";
import { type OperationLookup, useOperationInfo } from "./use-operation-info";
import { useUserNames } from "./use-user-names";

const POLL_MS = 5_000;

export interface ApprovalCardProps {
  id: string;
  /** Called when the request leaves `pending` or its execution settles — here or elsewhere. */
  onDecided?: () => void;
  /** The card title's heading level, to fit the page's outline (default 3). */
  headingLevel?: 2 | 3 | 4 | 5;
}

type Notice = { kind: "error" | "info"; text: string };

const STATE_BADGE: Record<string, string> = {
  pending: "pending",
  approved: "approved",
  executing: "pending",
  executed: "ok",
  rejected: "rejected",
  expired: "rejected",
  cancelled: "",
  "execution failed": "failed",
};

export function ApprovalCard({ id, onDecided, headingLevel = 3 }: ApprovalCardProps) {
  const headingId = useId();
  const session = useSession();
  const live = useLiveStatus();
  const [request, setRequest] = useState<ApprovalRequest | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [busy, setBusy] = useState<"approve" | "reject" | null>(null);
  const [editing, setEditing] = useState(false);
  const [returnFocus, setReturnFocus] = useState(false);
  const seen = useRef<{ request: ApprovalRequest; execution: ExecutionStatus | null } | null>(null);
  const onDecidedRef = useRef(onDecided);
  useEffect(() => {
    onDecidedRef.current = onDecided;
  });
  const nameOf = useUserNames([
    request?.requested_by_user_id ?? null,
    ...(request?.decisions.map((d) => d.user_id) ?? []),
  ]);

  // The first read is the baseline; later reads that show a decision or a settled execution notify,
  // and a pending action that changed elsewhere (an edit, a refresh by the gate) says what changed.
  const accept = useCallback((r: ApprovalRequest, own = false) => {
    setRequest(r);
    setLoadError(null);
    const before = seen.current;
    seen.current = { request: r, execution: r.execution_status };
    if (!before) return;
    const prev = before.request;
    if (!own && r.status === "pending" && prev.payload_hash !== r.payload_hash) {
      setEditing(false);
      setChanges(jsonChanges(prev.action_payload, r.action_payload));
      setNotice({ kind: "info", text: "This action changed since you opened it. Review the changes below." });
    }
    const decided = prev.status === "pending" && r.status !== "pending";
    const settled = !executionSettled(before.execution) && executionSettled(r.execution_status);
    if (decided || settled) onDecidedRef.current?.();
  }, []);

  const load = useCallback(async () => {
    try {
      const res = await api<{ data: ApprovalRequest }>("GET", approvalPath(id));
      accept(res.data);
      return res.data;
    } catch (err) {
      setLoadError(err instanceof ApiError ? (err.problem.detail ?? err.message) : "the API is unreachable");
      return null;
    }
  }, [id, accept]);

  useEffect(() => {
    void load();
  }, [load]);

  useLiveEvents(
    (e) => {
      if (e.subject_id === id || e.payload.approval_request_id === id) void load();
    },
    { kind: "autonomy.approval_*" },
  );

  // Without the event stream, poll while something can still change.
  const open =
    request !== null &&
    (request.status === "pending" || (request.status === "approved" && !executionSettled(request.execution_status)));
  useEffect(() => {
    if (!open || live.state === "live") return;
    const t = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(t);
  }, [open, live.state, load]);

  const subject = useMemo(() => (request ? editSubjectOf(request) : null), [request]);
  const operation =
    typeof request?.action_payload.params.operation === "string" ? request.action_payload.params.operation : null;
  const { lookup, retry: retryLookup } = useOperationInfo(operation);
  const info = lookup.state === "ok" ? lookup.info : null;
  const target = request?.action_payload.target ?? null;
  const planned = useMemo(() => plannedRadiusOf(request?.plan), [request?.plan]);
  const blastTarget = useMemo(() => (target && !planned ? blastTargetOf(target) : null), [target, planned]);
  const { blast, retry: retryBlast } = useBlastRadius(blastTarget);
  const fields = useMemo(
    () => (subject && target ? editFields(subject, target, subject.kind === "call" ? info : null) : []),
    [subject, target, info],
  );

  const decide = async (
    verdict: "approve" | "reject",
    reason: string,
    params?: Record<string, unknown>,
  ): Promise<boolean> => {
    if (!request) return false;
    // Four-eyes refusals the card can tell without asking (the server enforces them either way).
    const refusal = ownRefusal(request, session?.user?.id ?? null);
    if (refusal) {
      setNotice({ kind: "error", text: refusal });
      return false;
    }
    setBusy(verdict);
    setNotice(null);
    const body =
      verdict === "approve"
        ? { payload_hash: request.payload_hash, ...(reason ? { comment: reason } : {}), ...(params ? { params } : {}) }
        : { payload_hash: request.payload_hash, reason };
    try {
      const res = await api<{ data: ApprovalRequest }>("POST", `${approvalPath(id)}/${verdict}`, body);
      setChanges(null);
      accept(res.data, true);
      setNotice({ kind: "info", text: decidedText(verdict, res.data, params !== undefined) });
      if (params) closeEditor();
      if (res.data.status === "pending") onDecidedRef.current?.();
      return true;
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      const problem = err instanceof ApiError ? err.problem : { status: 0 };
      setNotice({ kind: "error", text: decisionErrorText(status, problem) });
      if (status === 409) {
        const before = request;
        // What the editor was built on is gone: the changes are shown instead, then decide again.
        if (params) closeEditor();
        const fresh = await load();
        if (fresh && problem.reason === "payload_changed") {
          setChanges(jsonChanges(before.action_payload, fresh.action_payload));
          setNotice({ kind: "error", text: decisionErrorText(status, problem) });
        }
      }
      return false;
    } finally {
      setBusy(null);
    }
  };

  const closeEditor = () => {
    setEditing(false);
    setReturnFocus(true);
  };

  const openEditor = () => {
    if (!request) return;
    const refusal = ownRefusal(request, session?.user?.id ?? null);
    if (refusal) {
      setNotice({ kind: "error", text: refusal });
      return;
    }
    setNotice(null);
    setChanges(null);
    setEditing(true);
  };

  const Heading = `h${headingLevel}` as "h3";
  if (!request) {
    return (
      <section className={styles.card} aria-labelledby={headingId} aria-busy={loadError ? undefined : true}>
        <Heading id={headingId} className={styles.title}>
          Approval request
        </Heading>
        {loadError ? (
          <div className="error-box" role="alert">
            <p>Approval request unknown: {loadError}</p>
            <button type="button" onClick={() => void load()}>
              Retry
            </button>
          </div>
        ) : (
          <p className={styles.muted}>Loading approval request…</p>
        )}
      </section>
    );
  }

  const state = displayState(request);
  const pending = state === "pending";
  const canWrite = hasScope(session?.scopes ?? [], "autonomy:write");
  const editUnavailable = subject ? editBlocker(subject, fields, lookup.state, info) : null;
  return (
    <section className={styles.card} aria-labelledby={headingId} data-state={state}>
      <div className={styles.head}>
        <Heading id={headingId} className={styles.title}>
          Approval: {operation ?? request.action_category}
        </Heading>
        <span className={`badge ${STATE_BADGE[state] ?? ""}`}>{state}</span>
      </div>
      <p className={styles.description}>{request.description}</p>
      <ApprovalDetails
        request={request}
        nameOf={nameOf}
        onExpire={() => void load()}
        blastRadius={
          (blastTarget || planned) && (
            <BlastRadius
              target={blastTarget}
              planned={planned}
              blast={blast}
              onRetryBlast={retryBlast}
              operation={operation}
              lookup={lookup}
              onRetryLookup={retryLookup}
            />
          )
        }
      />
      {changes && changes.length > 0 && (
        <div className={styles.changes}>
          <p>What changed:</p>
          <ul>
            {changes.map((c) => (
              <li key={c.path}>
                <code>{c.path}</code>: <code>{prettyJson(c.before) || "—"}</code> →{" "}
                <code>{prettyJson(c.after) || "—"}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {notice && (
        <p
          role={notice.kind === "error" ? "alert" : "status"}
          className={notice.kind === "error" ? styles.error : styles.info}
        >
          {notice.text}
        </p>
      )}
      {pending && editing && subject ? (
        <ActionEditor
          subject={subject}
          fields={fields}
          info={subject.kind === "call" ? info : null}
          schemaNote={schemaNote(subject.kind, operation, lookup)}
          busy={busy !== null}
          onApprove={(params, comment) => decide("approve", comment, params)}
          onCancel={closeEditor}
        />
      ) : pending ? (
        <DecisionForm
          busy={busy}
          disabledReason={canWrite ? null : "missing permission: autonomy:write"}
          onDecide={decide}
          edit={subject ? { onEdit: openEditor, unavailable: editUnavailable, focus: returnFocus } : null}
        />
      ) : (
        <ApprovalOutcome request={request} nameOf={nameOf} />
      )}
    </section>
  );
}

function decidedText(verdict: "approve" | "reject", r: ApprovalRequest, edited: boolean): string {
  if (verdict === "reject") return "You rejected this request.";
  const digest = r.payload_hash.slice(0, 12);
  if (edited) {
    return r.status === "approved"
      ? `You approved the edited action (new digest ${digest}); it runs now.`
      : `Your approval of the edited action (new digest ${digest}) is recorded; approvals given before the edit are void, so more approvals are needed.`;
  }
  return r.status === "approved"
    ? "You approved this request; the action runs now."
    : "Your approval is recorded; more approvals are needed.";
}

function schemaNote(kind: "call" | "params", operation: string | null, lookup: OperationLookup): string {
  if (kind === "params") return "Each param keeps its planned JSON type; the API refuses any other change.";
  if (lookup.state === "ok" && lookup.info) {
    return `Field types and limits come from ${operation}'s schema in the API; the operation checks the edited input again when it runs.`;
  }
  const why =
    lookup.state === "failed"
      ? `the API description could not be read (${lookup.reason})`
      : `the API does not describe ${operation ?? "this operation"}`;
  return `${why[0]!.toUpperCase()}${why.slice(1)}, so each field keeps its planned JSON type; the operation checks the edited input when it runs.`;
}
