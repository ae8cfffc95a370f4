// /approvals/[id] — one approval request (spec/ui.md §4 detail): the approval card and the decision
// timeline, with its correlated events.
import type { Metadata } from "next";
import Link from "next/link";
import { ApprovalCard } from "@/components/approval-card/approval-card";
import { DecisionTimeline } from "@/components/approvals/decision-timeline";
import { type ApprovalRequest, approvalEventsPath } from "@/components/approvals/types";
import { FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import type { FleetEvent, ListResponse } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { AskAboutButton } from "@/components/shell/ask-about-button";
import { approvalPath } from "@/lib/approval-types";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Approval request" };

export default async function ApprovalPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [request, events] = await Promise.all([
    serverGet<{ data: ApprovalRequest }>(approvalPath(id)),
    serverGet<ListResponse<FleetEvent>>(approvalEventsPath(id)),
  ]);
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <p className={styles.crumbs}>
          <Link href="/approvals">Approvals</Link> / request
        </p>
        <header className={styles.header}>
          <h1 className={styles.title}>
            {request.ok ? `${request.value.data.action_category} approval` : "Approval request"}
          </h1>
          {request.ok ? (
            <AskAboutButton
              context={{
                kind: "approval request",
                id: request.value.data.id,
                label: request.value.data.action_category,
                byName: false,
              }}
            />
          ) : null}
        </header>
        {request.ok ? (
          <>
            <ApprovalCard id={id} headingLevel={2} />
            <DecisionTimeline
              initialRequest={request.value.data}
              initialEvents={events.ok ? events.value.data : null}
              initialFailure={events.ok ? null : { status: events.status, problem: events.problem }}
            />
          </>
        ) : (
          <FailureState failure={{ status: request.status, problem: request.problem }} what="this approval request" />
        )}
      </div>
    </NowProvider>
  );
}
