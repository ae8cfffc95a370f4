// /nodes/[id] — one node (spec/ui.md §7): its details and its instances, live.
import type { Metadata } from "next";
import Link from "next/link";
import { FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import { serverGetAll } from "@/components/fleet/server-lists";
import type { One } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { NodeFacts } from "@/components/nodes/node-facts";
import { NodeInstances } from "@/components/nodes/node-instances";
import { nodeInstancesPath } from "@/components/nodes/paths";
import type { InstanceOut, NodeOut, TemplateOut } from "@/components/nodes/types";
import { AskAboutButton } from "@/components/shell/ask-about-button";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Node" };

export default async function NodePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [node, instances] = await Promise.all([
    serverGet<One<NodeOut>>(`/api/v1/nodes/${encodeURIComponent(id)}`),
    serverGetAll<InstanceOut>(nodeInstancesPath(id)),
  ]);
  if (!node.ok) {
    return (
      <NowProvider renderedAt={Date.now()}>
        <div className={styles.page}>
          <p className={styles.crumbs}>
            <Link href="/nodes">Nodes</Link> / node
          </p>
          <h1 className={styles.title}>Node</h1>
          <FailureState failure={{ status: node.status, problem: node.problem }} what="this node" />
        </div>
      </NowProvider>
    );
  }
  const n = node.value.data;
  const template = await serverGet<One<TemplateOut>>(`/api/v1/node_templates/${n.node_template_id}`);
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <p className={styles.crumbs}>
          <Link href="/nodes">Nodes</Link> / {n.name}
        </p>
        <header className={styles.header}>
          <h1 className={styles.title}>{n.name}</h1>
          {n.description ? <p className={styles.subtitle}>{n.description}</p> : null}
          <AskAboutButton context={{ kind: "node", id: n.id, label: n.name, byName: true }} />
        </header>
        <NodeFacts node={n} templateName={template.ok ? template.value.data.name : null} />
        <NodeInstances
          nodeId={n.id}
          initial={instances.ok ? instances.value.items : null}
          initialFailure={instances.ok ? null : { status: instances.status, problem: instances.problem }}
        />
      </div>
    </NowProvider>
  );
}
