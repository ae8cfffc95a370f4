// The fleet at a glance for a new conversation (GET /api/v1/fleet/summary): instances by status,
// silent machines, approvals waiting and active tasks, each linked. A failed read says "unknown".
import Link from "next/link";
import { FetchError } from "@/components/shell/fetch-error";
import type { Fetched } from "@/lib/server-api";
import styles from "./chat.module.css";

export interface FleetSummary {
  nodes: { total: number; enabled: number; disabled: number };
  instances: { total: number; by_status: Record<string, number>; silent: number };
  tasks: { active: number; by_status: Record<string, number> };
  approvals: { pending: number };
  as_of: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function FleetSnapshot({ summary }: { summary: Fetched<{ data: FleetSummary }> }) {
  if (!summary.ok) {
    return (
      <details open className={styles.snapshot}>
        <summary>Fleet snapshot</summary>
        <FetchError what="the fleet snapshot" status={summary.status} problem={summary.problem} />
      </details>
    );
  }
  const s = summary.value.data;
  const statuses = Object.entries(s.instances.by_status).filter(([, n]) => n > 0);
  return (
    <details open className={styles.snapshot}>
      <summary>Fleet snapshot</summary>
      <ul className={styles.snapshotList}>
        <li>
          <Link href="/nodes">{plural(s.instances.total, "instance")}</Link>
          {statuses.length > 0 && `: ${statuses.map(([k, n]) => `${n} ${k}`).join(", ")}`}
        </li>
        <li>
          <Link href="/fleet">{plural(s.instances.silent, "silent instance")}</Link>
        </li>
        <li>
          <Link href="/approvals">{plural(s.approvals.pending, "approval")} waiting</Link>
        </li>
        <li>{plural(s.tasks.active, "active task")}</li>
        <li>
          <Link href="/nodes">{plural(s.nodes.total, "node")}</Link> ({s.nodes.enabled} enabled)
        </li>
      </ul>
      <p className={styles.hint}>
        As of <time dateTime={s.as_of}>{s.as_of}</time>
      </p>
    </details>
  );
}
