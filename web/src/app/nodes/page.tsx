// /nodes — every node with its template, instances by status and freshest heartbeat (spec/ui.md
// §7), from node.list, template.list and instance.list, rendered on the server.
import type { Metadata } from "next";
import { EmptyState, FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import { serverGetAll } from "@/components/fleet/server-lists";
import type { InstanceState } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { type NodeRow, NodesTable } from "@/components/nodes/nodes-table";
import type { InstanceOut, NodeOut, TemplateOut } from "@/components/nodes/types";

export const metadata: Metadata = { title: "Nodes" };

export default async function NodesPage() {
  const [nodes, templates, instances] = await Promise.all([
    serverGetAll<NodeOut>("/api/v1/nodes"),
    serverGetAll<TemplateOut>("/api/v1/node_templates"),
    serverGetAll<InstanceOut>("/api/v1/node_instances"),
  ]);
  const templateName = new Map((templates.ok ? templates.value.items : []).map((t) => [t.id, t.name]));
  const perNode = new Map<string, { byStatus: Partial<Record<InstanceState, number>>; freshest: string | null }>();
  if (instances.ok) {
    for (const i of instances.value.items) {
      const entry = perNode.get(i.node_id) ?? { byStatus: {}, freshest: null };
      entry.byStatus[i.status] = (entry.byStatus[i.status] ?? 0) + 1;
      if (i.last_heartbeat_at && (!entry.freshest || i.last_heartbeat_at > entry.freshest)) {
        entry.freshest = i.last_heartbeat_at;
      }
      perNode.set(i.node_id, entry);
    }
  }
  const rows: NodeRow[] = nodes.ok
    ? nodes.value.items.map((n) => ({
        id: n.id,
        name: n.name,
        enabled: n.enabled,
        templateId: n.node_template_id,
        templateName: templateName.get(n.node_template_id) ?? null,
        byStatus: instances.ok ? (perNode.get(n.id)?.byStatus ?? {}) : null,
        freshestHeartbeat: perNode.get(n.id)?.freshest ?? null,
      }))
    : [];
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <header className={styles.header}>
          <h1 className={styles.title}>Nodes</h1>
          {nodes.ok ? (
            <p className={styles.subtitle}>
              {nodes.value.items.length}
              {nodes.value.truncated ? "+" : ""} nodes
            </p>
          ) : null}
        </header>
        {!nodes.ok ? (
          <FailureState failure={{ status: nodes.status, problem: nodes.problem }} what="nodes" />
        ) : rows.length === 0 ? (
          <EmptyState>No nodes yet. Create one from a template, or ask the concierge.</EmptyState>
        ) : (
          <>
            {!instances.ok ? (
              <FailureState failure={{ status: instances.status, problem: instances.problem }} what="instance counts" />
            ) : null}
            <NodesTable rows={rows} />
          </>
        )}
      </div>
    </NowProvider>
  );
}
