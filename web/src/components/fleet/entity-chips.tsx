// Links to the objects an event names: node, instance, task (shown by id), approval request.
import Link from "next/link";
import styles from "./feed.module.css";
import { shortId } from "./format";
import type { FleetEvent } from "./types";

export function EntityChips({ event }: { event: FleetEvent }) {
  const chips: { key: string; label: string; href?: string }[] = [];
  if (event.node_id) chips.push({ key: "n", label: `node ${shortId(event.node_id)}`, href: `/nodes/${event.node_id}` });
  if (event.node_instance_id) {
    chips.push({
      key: "i",
      label: `instance ${shortId(event.node_instance_id)}`,
      href: `/instances/${event.node_instance_id}`,
    });
  }
  if (event.task_id) chips.push({ key: "t", label: `task ${shortId(event.task_id)}` });
  if (event.subject_type === "approval_request" && event.subject_id) {
    chips.push({
      key: "a",
      label: `approval ${shortId(event.subject_id)}`,
      href: `/approvals/${event.subject_id}`,
    });
  }
  if (chips.length === 0) return null;
  return (
    <span className={styles.chips}>
      {chips.map((c) =>
        c.href ? (
          <Link key={c.key} className={styles.chip} href={c.href}>
            {c.label}
          </Link>
        ) : (
          <span key={c.key} className={styles.chip}>
            {c.label}
          </span>
        ),
      )}
    </span>
  );
}
