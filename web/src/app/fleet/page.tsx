// /fleet — the dashboard (spec/ui.md §5): counters, honeypot canaries, the drift queue panel, fleet
// health and the live feed, rendered first on the server from fleet_summary.get, instance.list,
// drift.list and event.list, then kept live in the browser.
import type { Metadata } from "next";
import { COUNTERS, type CounterKey, toWindow, type WindowCount, windowQuery } from "@/components/fleet/counters";
import { FEED_BACKLOG, HEARTBEAT_INSTANCES_PATH } from "@/components/fleet/dashboard-config";
import { DEFAULT_FILTERS, driftNameRefs } from "@/components/fleet/drift-items";
import { PANEL_ITEMS, PANEL_PAIRS, readDrift } from "@/components/fleet/drift-read";
import { FleetDashboard } from "@/components/fleet/fleet-dashboard";
import type { HeartbeatSample } from "@/components/fleet/fleet-health";
import styles from "@/components/fleet/page.module.css";
import { firstParam, type SearchParams } from "@/components/fleet/search-params";
import { serverGetAll } from "@/components/fleet/server-lists";
import type { FleetEvent, FleetSummary, ListResponse, One } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { loadCanaryRead, loadNames } from "@/components/fleet/watch-reads";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Fleet" };

export default async function FleetPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  const at = Date.now();
  const [drift, canaries, summary, instances, backlog, ...windowPages] = await Promise.all([
    readDrift(serverGet, DEFAULT_FILTERS, PANEL_ITEMS),
    loadCanaryRead(serverGet, at),
    serverGet<One<FleetSummary>>("/api/v1/fleet/summary"),
    serverGetAll<HeartbeatSample>(HEARTBEAT_INSTANCES_PATH),
    serverGet<ListResponse<FleetEvent>>(`/api/v1/events?limit=${FEED_BACKLOG}`),
    ...COUNTERS.map((c) => serverGet<ListResponse<FleetEvent>>(windowQuery(c.key, at))),
  ]);
  const windows = Object.fromEntries(
    COUNTERS.map((c, i) => {
      const page = windowPages[i];
      return [c.key, page?.ok ? toWindow(page.value) : null];
    }),
  ) as Record<CounterKey, WindowCount | null>;
  // The panel shows the oldest active items: the modules their pairs name render with them.
  const driftNames = drift.ok ? await loadNames(serverGet, driftNameRefs(drift.items, PANEL_PAIRS)) : {};
  const newestSeq = backlog.ok
    ? Math.max(0, ...backlog.value.data.map((e) => e.seq))
    : summary.ok
      ? summary.value.data.last_event_seq
      : undefined;
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <header className={styles.header}>
          <h1 className={styles.title}>Fleet</h1>
          <p className={styles.subtitle}>What the fleet is doing now</p>
        </header>
        <FleetDashboard
          health={{
            summary: summary.ok ? summary.value.data : null,
            summaryFailure: summary.ok ? null : { status: summary.status, problem: summary.problem },
            instances: instances.ok ? instances.value : null,
            instancesFailure: instances.ok ? null : { status: instances.status, problem: instances.problem },
          }}
          windows={windows}
          drift={drift}
          driftNames={driftNames}
          canaries={canaries}
          feed={{
            backlog: backlog.ok ? backlog.value.data : null,
            backlogFailure: backlog.ok ? null : { status: backlog.status, problem: backlog.problem },
            resumeAfterSeq: newestSeq,
            initialKind: firstParam(query.kind) ?? "",
            initialSeverity: firstParam(query.severity) ?? "all",
          }}
        />
      </div>
    </NowProvider>
  );
}
