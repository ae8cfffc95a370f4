// /fleet/events/[id] — one fleet event and its correlation chain (event.get, event.correlation).
import type { Metadata } from "next";
import Link from "next/link";
import { type Chain, EventDetail } from "@/components/fleet/event-detail";
import { FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import type { FleetEvent, One } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Event" };

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const res = await serverGet<One<FleetEvent>>(`/api/v1/events/${encodeURIComponent(id)}`);
  let chain: Chain | null = null;
  if (res.ok && res.value.data.correlation_id) {
    const c = await serverGet<One<{ events: FleetEvent[]; truncated: boolean }>>(
      `/api/v1/events/correlation/${encodeURIComponent(res.value.data.correlation_id)}`,
    );
    if (c.ok) chain = c.value.data;
  }
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <p className={styles.crumbs}>
          <Link href="/fleet">Fleet</Link> / event
        </p>
        <header className={styles.header}>
          <h1 className={styles.title}>{res.ok ? res.value.data.kind : "Event"}</h1>
        </header>
        {res.ok ? (
          <EventDetail event={res.value.data} chain={chain} />
        ) : (
          <FailureState failure={{ status: res.status, problem: res.problem }} what="this event" />
        )}
      </div>
    </NowProvider>
  );
}
