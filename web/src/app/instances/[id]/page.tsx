// /instances/[id] — one instance (spec/ui.md §7): rendered on the server from instance.get, its
// node, tasks and events, then kept live and acted on in the browser.
import type { Metadata } from "next";
import Link from "next/link";
import { FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import type { FleetEvent, FleetSummary, ListResponse, One } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { readBootEvents } from "@/components/nodes/boot-events-read";
import { replayQueryOf } from "@/components/nodes/boot-query";
import { InstanceView } from "@/components/nodes/instance-view";
import { instanceEventsPath, instanceTasksPath } from "@/components/nodes/paths";
import type { InstanceOut, NodeOut, TaskOut } from "@/components/nodes/types";
import { AskAboutButton } from "@/components/shell/ask-about-button";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Instance" };

export default async function InstancePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const replayQuery = replayQueryOf(await searchParams);
  const [instance, tasks, events, summary, bootEvents] = await Promise.all([
    serverGet<One<InstanceOut>>(`/api/v1/node_instances/${encodeURIComponent(id)}`),
    serverGet<ListResponse<TaskOut>>(instanceTasksPath(id)),
    serverGet<ListResponse<FleetEvent>>(instanceEventsPath(id)),
    serverGet<One<FleetSummary>>("/api/v1/fleet/summary"),
    readBootEvents(serverGet, id),
  ]);
  if (!instance.ok) {
    return (
      <NowProvider renderedAt={Date.now()}>
        <div className={styles.page}>
          <p className={styles.crumbs}>
            <Link href="/nodes">Nodes</Link> / instance
          </p>
          <h1 className={styles.title}>Instance</h1>
          <FailureState failure={{ status: instance.status, problem: instance.problem }} what="this instance" />
        </div>
      </NowProvider>
    );
  }
  const inst = instance.value.data;
  const node = await serverGet<One<NodeOut>>(`/api/v1/nodes/${inst.node_id}`);
  const nodeName = node.ok ? node.value.data.name : null;
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <p className={styles.crumbs}>
          <Link href="/nodes">Nodes</Link> / <Link href={`/nodes/${inst.node_id}`}>{nodeName ?? "node"}</Link> /
          instance
        </p>
        <header className={styles.header}>
          <h1 className={styles.title}>{inst.name}</h1>
          {/* A terminated instance is no longer found by its name, only by its id. */}
          <AskAboutButton
            context={{ kind: "instance", id: inst.id, label: inst.name, byName: inst.status !== "terminated" }}
          />
        </header>
        <InstanceView
          instance={inst}
          nodeName={nodeName}
          tasks={tasks.ok ? tasks.value.data : null}
          tasksFailure={tasks.ok ? null : { status: tasks.status, problem: tasks.problem }}
          events={events.ok ? events.value.data : null}
          eventsFailure={events.ok ? null : { status: events.status, problem: events.problem }}
          silentAfterMs={(summary.ok ? summary.value.data.silent_rule.threshold_seconds : 180) * 1000}
          bootEvents={bootEvents}
          replayQuery={replayQuery}
        />
      </div>
    </NowProvider>
  );
}
