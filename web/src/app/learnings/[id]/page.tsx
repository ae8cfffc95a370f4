// /learnings/[id] — one learning (spec/ui.md §10 "Detail"), from learning.get, with its evidence
// ids looked up so those naming an instance, approval, event, node or learning link to it.
import type { Metadata } from "next";
import Link from "next/link";
import { FailureState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";
import type { One } from "@/components/fleet/types";
import { NowProvider } from "@/components/fleet/use-now";
import { readEvidence } from "@/components/learnings/evidence-read";
import { LearningDetail } from "@/components/learnings/learning-detail";
import type { Learning } from "@/components/learnings/types";
import { serverGet } from "@/lib/server-api";

export const metadata: Metadata = { title: "Learning" };

export default async function LearningPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const res = await serverGet<One<Learning>>(`/api/v1/learnings/${encodeURIComponent(id)}`);
  const evidence = res.ok ? await readEvidence(serverGet, res.value.data.evidence) : [];
  return (
    <NowProvider renderedAt={Date.now()}>
      <div className={styles.page}>
        <p className={styles.crumbs}>
          <Link href="/learnings">Learnings</Link> / learning
        </p>
        <header className={styles.header}>
          <h1 className={styles.title}>{res.ok ? res.value.data.title : "Learning"}</h1>
        </header>
        {res.ok ? (
          <LearningDetail learning={res.value.data} evidence={evidence} />
        ) : (
          <FailureState failure={{ status: res.status, problem: res.problem }} what="this learning" />
        )}
      </div>
    </NowProvider>
  );
}
