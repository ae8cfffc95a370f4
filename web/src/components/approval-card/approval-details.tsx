// The read-only body of an approval card: the exact action, its target and blast radius, why it
// needs approval, similar past learnings and who has decided what (spec/ui.md §3.4 items 1–5).
import Link from "next/link";
import type { ReactNode } from "react";
import { CopyButton } from "@/components/shell/copy-button";
import { ScrollPre } from "@/components/shell/scroll-pre";
import type { ApprovalRequest } from "@/lib/approval-types";
import { prettyJson } from "@/lib/format";
import styles from "./approval-card.module.css";
import { actionOf, learningsOf, stepProgress } from "./approval-model";
import { Countdown } from "./countdown";

const TARGET_PAGES: Record<string, string> = { instance: "/instances/", node_instance: "/instances/", node: "/nodes/" };

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className={styles.row}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function ApprovalDetails({
  request: r,
  nameOf,
  onExpire,
  blastRadius,
}: {
  request: ApprovalRequest;
  nameOf: (id: string | null) => string;
  onExpire: () => void;
  /** What the action touches, read by the card (blast-radius-view.tsx). */
  blastRadius?: ReactNode;
}) {
  const { operation, args } = actionOf(r);
  const target = r.action_payload.target;
  const targetPage = TARGET_PAGES[target.type];
  const learnings = learningsOf(r.learning_evidence);
  const steps = stepProgress(r);
  const requester = r.requested_by_user_id
    ? nameOf(r.requested_by_user_id)
    : r.requested_by_agent_id
      ? `agent ${r.requested_by_agent_id.slice(0, 8)}`
      : "the autonomy gate";
  return (
    <dl className={styles.details}>
      <Row label="Action">
        <span className="mono">{r.action_category}</span>
        {operation && operation !== r.action_category && (
          <>
            {" · "}
            <span className="mono">{operation}</span>
          </>
        )}
        <span className={`badge ${r.severity}`}>severity: {r.severity}</span>
      </Row>
      <Row label="Target">
        {target.type}{" "}
        {targetPage ? (
          <Link href={`${targetPage}${encodeURIComponent(target.id)}`} className="mono">
            {target.id}
          </Link>
        ) : (
          <span className="mono">{target.id}</span>
        )}
      </Row>
      <Row label="Arguments">
        <ScrollPre className={styles.json}>{prettyJson(args)}</ScrollPre>
      </Row>
      <Row label="Digest">
        <code title={r.payload_hash}>{r.payload_hash.slice(0, 12)}</code>{" "}
        <CopyButton value={r.payload_hash} label="Copy full digest" />
      </Row>
      {blastRadius && <Row label="Blast radius">{blastRadius}</Row>}
      <Row label="Why approval">
        {r.reasoning && <span className={styles.block}>{r.reasoning}</span>}
        {r.matched_policy_id ? (
          <span className={styles.block}>
            Policy{" "}
            <Link
              prefetch={false}
              href={`/policies?policy=${encodeURIComponent(r.matched_policy_id)}`}
              className="mono"
            >
              {r.matched_policy_id}
            </Link>
          </span>
        ) : (
          <span className={styles.block}>default: no matching policy</span>
        )}
      </Row>
      <Row label="Similar past learnings">
        {learnings.length === 0 ? (
          "No similar learnings"
        ) : (
          <ul className={styles.learnings}>
            {learnings.map((l) => (
              <li key={l.id ?? l.title}>
                {l.id ? (
                  <Link prefetch={false} href={`/learnings/${encodeURIComponent(l.id)}`}>
                    {l.title}
                  </Link>
                ) : (
                  l.title
                )}
                {l.outcome && <span className={styles.muted}> · {l.outcome}</span>}
                {l.similarity !== null && (
                  <span className={styles.muted}> · {Math.round(l.similarity * 100)}% similar</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </Row>
      <Row label="Requested by">
        {requester}
        <span className={styles.muted}>
          {" "}
          via {typeof r.plan?.requested_via === "string" ? r.plan.requested_via : r.source}
        </span>
      </Row>
      <Row label="Approvals">
        <ul className={styles.steps}>
          {steps.map((s) => (
            <li key={s.index}>
              {steps.length > 1 && (
                <span>
                  Step {s.index + 1} “{s.name}”:{" "}
                </span>
              )}
              {s.approvedBy.length} of {s.required} {s.required === 1 ? "approval" : "approvals"}
              {s.approvedBy.length > 0 && ` (${s.approvedBy.map(nameOf).join(", ")})`}
              {s.current && steps.length > 1 && <span className={styles.muted}> — current step</span>}
            </li>
          ))}
        </ul>
      </Row>
      {r.status === "pending" && (
        <Row label="Expiry">
          <Countdown expiresAt={r.expires_at} onExpire={onExpire} />
        </Row>
      )}
    </dl>
  );
}
