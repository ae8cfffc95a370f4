"use client";
// The nodes list (spec/ui.md §7): name, template, enabled, instances by status and the freshest
// heartbeat among its instances. Re-rendered from the server when a node or instance changes.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRefreshOn } from "../fleet/event-stream";
import { TimeAt } from "../fleet/relative-time";
import { ScrollRegion } from "../fleet/scroll-region";
import { StatusBadge } from "../fleet/severity-badge";
import { INSTANCE_STATES, type InstanceState } from "../fleet/types";
import { useNow } from "../fleet/use-now";
import styles from "./nodes.module.css";

export interface NodeRow {
  id: string;
  name: string;
  enabled: boolean;
  templateId: string;
  templateName: string | null;
  byStatus: Partial<Record<InstanceState, number>> | null;
  freshestHeartbeat: string | null;
}

export function NodesTable({ rows }: { rows: NodeRow[] }) {
  const now = useNow(10_000);
  const router = useRouter();
  useRefreshOn(
    (e) => e.kind.startsWith("instance.") || e.kind.startsWith("node."),
    () => router.refresh(),
    2_000,
  );
  return (
    <ScrollRegion label="Nodes table">
      <table>
        <caption className="visually-hidden">Nodes, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Template</th>
            <th scope="col">Enabled</th>
            <th scope="col">Instances by status</th>
            <th scope="col">Freshest heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((n) => (
            <tr key={n.id}>
              <td>
                <Link href={`/nodes/${n.id}`}>{n.name}</Link>
              </td>
              <td>{n.templateName ?? <span className="mono">{n.templateId.slice(0, 8)}</span>}</td>
              <td>{n.enabled ? "yes" : "no"}</td>
              <td>
                {n.byStatus === null ? (
                  "unknown"
                ) : Object.keys(n.byStatus).length === 0 ? (
                  "none"
                ) : (
                  <span className={styles.states}>
                    {INSTANCE_STATES.filter((s) => n.byStatus?.[s]).map((s) => (
                      <span key={s}>
                        <StatusBadge status={s} /> {n.byStatus?.[s]}
                      </span>
                    ))}
                  </span>
                )}
              </td>
              <td>
                {n.byStatus === null ? (
                  "unknown"
                ) : n.freshestHeartbeat ? (
                  <TimeAt iso={n.freshestHeartbeat} now={now} />
                ) : (
                  "never"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
