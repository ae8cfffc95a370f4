"use client";
// A table of instances: name (linked), status, heartbeat freshness, architecture, agent version
// and the hold/cordon flags. Used by the node page.
import Link from "next/link";
import { heartbeatText } from "../fleet/heartbeat";
import { ScrollRegion } from "../fleet/scroll-region";
import { StatusBadge } from "../fleet/severity-badge";
import { useNow } from "../fleet/use-now";
import type { InstanceOut } from "./types";

export function InstancesTable({ instances, caption }: { instances: InstanceOut[]; caption: string }) {
  const now = useNow(10_000);
  return (
    <ScrollRegion label={caption}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Status</th>
            <th scope="col">Heartbeat</th>
            <th scope="col">Architecture</th>
            <th scope="col">Agent</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => (
            <tr key={i.id}>
              <td>
                <Link href={`/instances/${i.id}`}>{i.name}</Link>
              </td>
              <td>
                <StatusBadge status={i.status} />
              </td>
              <td suppressHydrationWarning>{heartbeatText(i.status, i.last_heartbeat_at, now)}</td>
              <td>{i.architecture}</td>
              <td>{i.agent_version ?? "—"}</td>
              <td>
                {i.hold ? <span className="badge warn">on hold</span> : null}{" "}
                {i.cordoned_at ? <span className="badge warn">cordoned</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
