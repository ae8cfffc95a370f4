"use client";
// The node page's instances, refreshed when an event names this node or one of its instances.
import { useCallback, useRef, useState } from "react";
import { getAll } from "../fleet/client-lists";
import { useRefreshOn } from "../fleet/event-stream";
import { EmptyState, type Failure, FailureState, toFailure } from "../fleet/fetch-states";
import { InstancesTable } from "./instances-table";
import styles from "./nodes.module.css";
import { nodeInstancesPath } from "./paths";
import type { InstanceOut } from "./types";

export function NodeInstances({
  nodeId,
  initial,
  initialFailure,
}: {
  nodeId: string;
  initial: InstanceOut[] | null;
  initialFailure: Failure | null;
}) {
  const [instances, setInstances] = useState(initial);
  const [failure, setFailure] = useState(initialFailure);
  const ids = useRef(new Set<string>());
  ids.current = new Set((instances ?? []).map((i) => i.id));
  const reload = useCallback(() => {
    getAll<InstanceOut>(nodeInstancesPath(nodeId))
      .then((r) => {
        setInstances(r.items);
        setFailure(null);
      })
      .catch((err) => setFailure(toFailure(err)));
  }, [nodeId]);
  useRefreshOn(
    (e) => e.node_id === nodeId || (e.node_instance_id !== null && ids.current.has(e.node_instance_id)),
    reload,
  );
  return (
    <section className={styles.panel} aria-labelledby="node-instances-title">
      <h2 id="node-instances-title" className={styles.panelTitle}>
        Instances
      </h2>
      {failure ? <FailureState failure={failure} what="the node's instances" onRetry={reload} /> : null}
      {instances && instances.length === 0 ? <EmptyState>This node has no instances.</EmptyState> : null}
      {instances && instances.length > 0 ? (
        <InstancesTable instances={instances} caption="Instances of this node" />
      ) : null}
    </section>
  );
}
