// /fleet/events/[id] — one fleet event and its correlation chain (event.get, event.correlation).
import type { Metadata } from "next";
import Link from "next/link";
import { attributionTarget, feedbackFromEvent, kindForEvent } from "@/components/attribution/attribution-model";
import { EventAttribution } from "@/components/attribution/event-attribution";
import { type Chain, EventDetail } from "@/components/fleet/event-detail";
import { FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import type { FleetEvent, One } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { AskAboutButton } from "@/components/shell/ask-about-button";
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
  // An event naming an instance offers "Analyze cause"; naming a module too, Confirm/Reject for it.
  const target = res.ok ? attributionTarget(res.value.data) : null;
  const [instance, mod] = target
    ? await Promise.all([
        serverGet<One<{ name: string }>>(`/api/v1/node_instances/${encodeURIComponent(target.instanceId)}`),
        target.moduleId
          ? serverGet<One<{ name: string }>>(`/api/v1/node_modules/${encodeURIComponent(target.moduleId)}`)
          : null,
      ])
    : [null, null];
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <p className={styles.crumbs}>
          <Link href="/fleet">Fleet</Link> / event
        </p>
        <header className={styles.header}>
          <h1 className={styles.title}>{res.ok ? res.value.data.kind : "Event"}</h1>
          {res.ok ? (
            <AskAboutButton
              context={{ kind: "event", id: res.value.data.id, label: res.value.data.kind, byName: false }}
            />
          ) : null}
        </header>
        {res.ok ? (
          <>
            <EventDetail event={res.value.data} chain={chain} />
            {target ? (
              <EventAttribution
                instanceId={target.instanceId}
                instanceName={instance?.ok ? instance.value.data.name : null}
                module={target.moduleId ? { id: target.moduleId, name: mod?.ok ? mod.value.data.name : null } : null}
                suggestedKind={kindForEvent(res.value.data)}
                recordedHere={feedbackFromEvent(res.value.data)}
              />
            ) : null}
          </>
        ) : (
          <FailureState failure={{ status: res.status, problem: res.problem }} what="this event" />
        )}
      </div>
    </NowProvider>
  );
}
