"use client";
// The approval card's blast radius (spec/ui.md §3.4 item 2): the entities the action touches as the
// API reports them, whether it is reversible by its operation's effect class, and "unknown" for
// every figure the API does not give (disruption, downtime) — never a made-up number.
import Link from "next/link";
import type { ReactNode } from "react";
import styles from "./approval-card.module.css";
import { type BlastTarget, type Counted, countText, moreText, type PlannedInstance } from "./blast-radius";
import { reversibilityOf } from "./operation-info";
import type { BlastState } from "./use-blast-radius";
import type { OperationLookup } from "./use-operation-info";

const instanceHref = (id: string) => `/instances/${encodeURIComponent(id)}`;
const nodeHref = (id: string) => `/nodes/${encodeURIComponent(id)}`;

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Unknown({ why, onRetry }: { why: string; onRetry?: () => void }) {
  return (
    <>
      <strong>unknown</strong> <span className={styles.muted}>— {why}</span>
      {onRetry && (
        <button type="button" className={styles.small} onClick={onRetry}>
          Retry
        </button>
      )}
    </>
  );
}

function Planned({ planned }: { planned: Counted<PlannedInstance> }) {
  const more = moreText(planned);
  return (
    <div className={styles.block}>
      {countText(planned, "instance")}, as the gate read them when it asked
      {planned.shown.length > 0 && (
        <ul className={styles.affected}>
          {planned.shown.map((i) => (
            <li key={i.id}>
              <Link prefetch={false} href={instanceHref(i.id)} className={i.name ? undefined : "mono"}>
                {i.name ?? i.id}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {more && <span className={styles.block}>{more}.</span>}
    </div>
  );
}

function Affects({ target, blast, onRetry }: { target: BlastTarget; blast: BlastState; onRetry: () => void }) {
  if (blast.state === "loading") return <span className={styles.muted}>Reading what this action touches…</span>;
  if (blast.state === "failed")
    return <Unknown why={`the ${target.kind} could not be read: ${blast.reason}`} onRetry={onRetry} />;
  const r = blast.radius;
  if (r.kind === "instance") {
    return (
      <span>
        1 instance:{" "}
        <Link prefetch={false} href={instanceHref(r.instance.id)}>
          {r.instance.name}
        </Link>{" "}
        <span className={`badge ${r.instance.status}`}>status: {r.instance.status}</span>
        {r.instance.node_id && (
          <>
            {" "}
            on node{" "}
            <Link prefetch={false} href={nodeHref(r.instance.node_id)} className={r.node ? undefined : "mono"}>
              {r.node?.name ?? r.instance.node_id}
            </Link>
          </>
        )}
        {r.instance.environment_id && (
          <>
            {" "}
            in environment <code>{r.instance.environment_id}</code>
          </>
        )}
      </span>
    );
  }
  if (r.kind === "node") {
    const more = moreText(r.instances);
    return (
      <div className={styles.block}>
        Node{" "}
        <Link prefetch={false} href={nodeHref(r.node.id)}>
          {r.node.name}
        </Link>{" "}
        and its {countText(r.instances, "instance")}
        {r.instances.shown.length > 0 && (
          <ul className={styles.affected}>
            {r.instances.shown.map((i) => (
              <li key={i.id}>
                <Link prefetch={false} href={instanceHref(i.id)}>
                  {i.name}
                </Link>{" "}
                <span className={styles.muted}>({i.status})</span>
              </li>
            ))}
          </ul>
        )}
        {more && <span className={styles.block}>{more} — listed on the node's page.</span>}
      </div>
    );
  }
  return (
    <span>
      {r.type} <code>{r.id}</code>; <Unknown why={`the API gives no blast-radius read for ${r.type} targets`} />
    </span>
  );
}

function Reversible({
  operation,
  lookup,
  onRetry,
}: {
  operation: string | null;
  lookup: OperationLookup;
  onRetry: () => void;
}) {
  if (operation && lookup.state === "loading") return <span className={styles.muted}>Reading the operation…</span>;
  if (operation && lookup.state === "failed")
    return <Unknown why={`the API description could not be read: ${lookup.reason}`} onRetry={onRetry} />;
  const r = reversibilityOf(operation, lookup.state === "ok" ? (lookup.info?.effect ?? null) : null);
  if (r.value === "unknown") return <Unknown why={r.why} />;
  return (
    <>
      <strong>{r.value}</strong> <span className={styles.muted}>— {r.why}</span>
    </>
  );
}

export function BlastRadius({
  target,
  planned,
  blast,
  onRetryBlast,
  operation,
  lookup,
  onRetryLookup,
}: {
  /** What the action's target touches, read now; null when the plan already says (planned). */
  target: BlastTarget | null;
  /** The gate's reading of a bulk call's reach (plan.blast_radius); preferred over target reads. */
  planned: Counted<PlannedInstance> | null;
  blast: BlastState;
  onRetryBlast: () => void;
  operation: string | null;
  lookup: OperationLookup;
  onRetryLookup: () => void;
}) {
  return (
    <dl className={styles.blast}>
      <Item label="Affects">
        {planned ? (
          <Planned planned={planned} />
        ) : (
          target && <Affects target={target} blast={blast} onRetry={onRetryBlast} />
        )}
      </Item>
      <Item label="Reversible">
        <Reversible operation={operation} lookup={lookup} onRetry={onRetryLookup} />
      </Item>
      <Item label="Expected disruption">
        <Unknown why="the API does not estimate it" />
      </Item>
      <Item label="Estimated downtime">
        <Unknown why="the API does not estimate it" />
      </Item>
    </dl>
  );
}
