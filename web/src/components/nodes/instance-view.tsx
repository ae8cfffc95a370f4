"use client";
// The instance page's live half (spec/ui.md §7): status and heartbeat freshness, the facts the
// agent reported, hold and cordon, lifecycle actions, tasks, events and the boot replay. Any event naming this
// instance or one of its tasks refreshes what the page shows, so transitional states settle live.
import Link from "next/link";
import { useCallback, useRef, useState } from "react";
import { useUserNames } from "@/components/approval-card/use-user-names";
import { AttributionPanel } from "@/components/attribution/attribution-panel";
import { useSession } from "@/components/shell/session-context";
import { api } from "@/lib/api-client";
import { useRefreshOn } from "../fleet/event-stream";
import { type Failure, toFailure } from "../fleet/fetch-states";
import { heartbeatText } from "../fleet/heartbeat";
import { TimeAt } from "../fleet/relative-time";
import { StatusBadge } from "../fleet/severity-badge";
import type { FleetEvent, ListResponse, One } from "../fleet/types";
import { useNow } from "../fleet/use-now";
import type { BootEventsRead } from "./boot-events-read";
import type { ReplayQuery } from "./boot-query";
import { BootReplay } from "./boot-replay";
import { InstanceEvents } from "./instance-events";
import { InstanceTasks } from "./instance-tasks";
import { LifecycleActions } from "./lifecycle-actions";
import styles from "./nodes.module.css";
import { instanceEventsPath, instanceTasksPath } from "./paths";
import type { InstanceOut, TaskOut } from "./types";

export interface InstanceViewProps {
  instance: InstanceOut;
  nodeName: string | null;
  tasks: TaskOut[] | null;
  tasksFailure: Failure | null;
  events: FleetEvent[] | null;
  eventsFailure: Failure | null;
  silentAfterMs: number;
  bootEvents: BootEventsRead;
  replayQuery: ReplayQuery;
}

export function InstanceView(props: InstanceViewProps) {
  const now = useNow(5_000);
  const session = useSession();
  const [instance, setInstance] = useState(props.instance);
  const [instanceFailure, setInstanceFailure] = useState<Failure | null>(null);
  const [tasks, setTasks] = useState(props.tasks);
  const [tasksFailure, setTasksFailure] = useState(props.tasksFailure);
  const [events, setEvents] = useState(props.events);
  const [eventsFailure, setEventsFailure] = useState(props.eventsFailure);
  const id = instance.id;
  const taskIds = useRef(new Set<string>());
  taskIds.current = new Set((tasks ?? []).map((t) => t.id));

  const reload = useCallback(() => {
    api<One<InstanceOut>>("GET", `/api/v1/node_instances/${id}`)
      .then((r) => {
        setInstance(r.data);
        setInstanceFailure(null);
      })
      .catch((err) => setInstanceFailure(toFailure(err)));
    api<ListResponse<TaskOut>>("GET", instanceTasksPath(id))
      .then((r) => {
        setTasks(r.data);
        setTasksFailure(null);
      })
      .catch((err) => setTasksFailure(toFailure(err)));
    api<ListResponse<FleetEvent>>("GET", instanceEventsPath(id))
      .then((r) => {
        setEvents(r.data);
        setEventsFailure(null);
      })
      .catch((err) => setEventsFailure(toFailure(err)));
  }, [id]);

  const status = useRefreshOn(
    (e) =>
      e.node_instance_id === id ||
      (e.subject_id === id && e.subject_type === "node_instance") ||
      (e.task_id !== null && taskIds.current.has(e.task_id)),
    reload,
  );

  const applied = (output: unknown) => {
    const o = output as { instance?: InstanceOut; task?: TaskOut; id?: string } | undefined;
    if (o?.instance?.id === id) setInstance(o.instance);
    else if (o?.id === id && "status" in (o as object)) setInstance(o as InstanceOut);
    if (o?.task) setTasks((t) => [o.task as TaskOut, ...(t ?? []).filter((x) => x.id !== o.task?.id)]);
    reload();
  };

  // A hold records its placer as "<actor type>:<id>"; people are shown by name.
  const holdUser = instance.hold?.by.startsWith("user:") ? instance.hold.by.slice(5) : null;
  const nameOf = useUserNames([holdUser]);
  const holdBy = instance.hold ? (holdUser ? nameOf(holdUser) : instance.hold.by) : null;
  const heartbeat = heartbeatText(instance.status, instance.last_heartbeat_at, now, props.silentAfterMs);
  const addresses = [
    ["private", instance.private_ip],
    ["public", instance.public_ip],
    ["vpn", instance.vpn_ip],
    ["mac", instance.mac_address],
  ].filter((a): a is [string, string] => Boolean(a[1]));

  return (
    <>
      <section className={styles.summary} aria-label="Status">
        <div className={styles.statusLine}>
          <StatusBadge status={instance.status} />
          <span>
            since <TimeAt iso={instance.status_changed_at} now={now} />
          </span>
          {instance.status_reason ? <span className={styles.muted}>({instance.status_reason})</span> : null}
          <span className={styles.heartbeat}>{heartbeat}</span>
          {instance.hold ? <span className="badge warn">on hold</span> : null}
          {instance.cordoned_at ? <span className="badge warn">cordoned</span> : null}
          <span className={styles.muted}>{status === "live" ? "Live" : "Reconnecting…"}</span>
        </div>
        {instanceFailure ? (
          <p role="alert" className="error-box">
            Could not refresh the instance: {instanceFailure.problem.detail ?? `HTTP ${instanceFailure.status}`}.
            Showing data as of the last successful read.
          </p>
        ) : null}
      </section>
      <LifecycleActions instance={instance} viewer={session ? { scopes: session.scopes } : null} onApplied={applied} />
      <AttributionPanel instanceId={id} />
      <section className={styles.panel} aria-labelledby="instance-facts-title">
        <h2 id="instance-facts-title" className={styles.panelTitle}>
          Details
        </h2>
        <dl className={styles.facts}>
          <dt>Node</dt>
          <dd>
            <Link href={`/nodes/${instance.node_id}`}>{props.nodeName ?? instance.node_id}</Link>
          </dd>
          <dt>Variety</dt>
          <dd>{instance.variety}</dd>
          <dt>Architecture</dt>
          <dd>{instance.architecture}</dd>
          <dt>Agent version</dt>
          <dd>{instance.agent_version ?? "not reported"}</dd>
          <dt>Last heartbeat</dt>
          <dd>{instance.last_heartbeat_at ? <TimeAt iso={instance.last_heartbeat_at} now={now} /> : "never"}</dd>
          <dt>Addresses</dt>
          <dd>
            {addresses.length === 0
              ? "none reported"
              : addresses.map(([k, v]) => (
                  <span key={k} className={styles.address}>
                    {k} <span className="mono">{v}</span>
                  </span>
                ))}
          </dd>
          {instance.discovered_hostname ? (
            <>
              <dt>Hostname</dt>
              <dd className="mono">{instance.discovered_hostname}</dd>
            </>
          ) : null}
          <dt>Boot id</dt>
          <dd className="mono">{instance.boot_id ?? "not reported"}</dd>
          <dt>Booted image</dt>
          <dd className="mono">{instance.booted_image_git_sha ?? "not reported"}</dd>
          <dt>Hold</dt>
          <dd>
            {instance.hold ? (
              <>
                {instance.hold.reason} — by {holdBy}, <TimeAt iso={instance.hold.at} now={now} />
              </>
            ) : (
              "none"
            )}
          </dd>
          <dt>Cordon</dt>
          <dd>{instance.cordoned_at ? <TimeAt iso={instance.cordoned_at} now={now} /> : "not cordoned"}</dd>
          <dt>Running modules</dt>
          <dd>{Object.keys(instance.running_module_digests).length || "none reported"}</dd>
          <dt>Instance id</dt>
          <dd className="mono">{instance.id}</dd>
        </dl>
      </section>
      <InstanceTasks tasks={tasks} failure={tasksFailure} now={now} onRetry={reload} onChanged={reload} />
      <InstanceEvents events={events} failure={eventsFailure} now={now} onRetry={reload} />
      <BootReplay
        instanceId={id}
        current={{ bootId: instance.boot_id, lastHeartbeatAt: instance.last_heartbeat_at }}
        initial={props.bootEvents}
        query={props.replayQuery}
      />
    </>
  );
}
