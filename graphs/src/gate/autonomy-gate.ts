// The gate as a service for the tick and the approval executor: decide() runs one signal through
// a fresh thread (released at once unless it paused on an approval), resumeDecided() resumes every
// paused thread whose request has been decided — approved, rejected, expired or cancelled — with
// the verdict read from the store, and card() shows what a paused thread is waiting on.
import { Command } from "@langchain/langgraph";
import type { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { emitEvent } from "@nodepilot/core";
import { approval_decisions, approval_requests, newId } from "@nodepilot/store";
import { and, asc, eq, isNotNull, isNull, ne } from "drizzle-orm";
import { acting, type GateDeps } from "./gate-deps.ts";
import { buildGateGraph, type GateGraph } from "./gate-graph.ts";
import { type ApprovalCard, ReviewResume } from "./review.ts";
import type { GateCondition, GateSignal, GateTick } from "./signal.ts";
import type { Execution, Outcome } from "./state.ts";

export interface GateDecision extends Outcome {
  action_category: string | null;
  /** Set while the thread waits on its approval request. */
  thread_id: string | null;
}

export interface ResumeSummary {
  resumed: number;
  by_status: Record<string, number>;
  failed: number;
}

export interface AutonomyGate {
  decide(signal: GateSignal, condition: GateCondition, tick: GateTick): Promise<GateDecision>;
  resumeDecided(accountId: string, settings: GateTick["settings"]): Promise<ResumeSummary>;
  card(threadId: string): Promise<ApprovalCard | null>;
}

const config = (threadId: string) => ({ configurable: { thread_id: threadId }, durability: "sync" as const });

export function createAutonomyGate(deps: GateDeps, checkpointer: PostgresSaver): AutonomyGate {
  const graph: GateGraph = buildGateGraph(deps, checkpointer);
  const db = deps.services.database.db;

  async function paused(threadId: string): Promise<boolean> {
    const snapshot = await graph.getState(config(threadId));
    return snapshot.next.length > 0;
  }

  async function reviewOf(request: typeof approval_requests.$inferSelect) {
    const decisions = await db
      .select()
      .from(approval_decisions)
      .where(and(eq(approval_decisions.approval_request_id, request.id), isNull(approval_decisions.voided_at)))
      .orderBy(asc(approval_decisions.decided_at));
    const by = (verdict: "approve" | "reject") => [
      ...new Set(decisions.filter((d) => d.verdict === verdict && d.user_id).map((d) => d.user_id as string)),
    ];
    if (request.status === "approved") {
      const last = decisions.filter((d) => d.verdict === "approve").at(-1);
      return ReviewResume.parse({
        verdict: "approve",
        approval_request_id: request.id,
        payload_hash: last?.payload_hash_seen ?? "",
        reviewer_ids: by("approve"),
      });
    }
    if (request.status === "rejected") {
      return ReviewResume.parse({
        verdict: "reject",
        approval_request_id: request.id,
        reason: request.rejection_reason,
        reviewer_ids: by("reject"),
      });
    }
    return ReviewResume.parse({
      verdict: request.status === "expired" ? "expired" : "cancelled",
      approval_request_id: request.id,
    });
  }

  return {
    async decide(signal, condition, tick) {
      const threadId = `gate:${newId()}`;
      const final = await graph.invoke({ signal, condition, tick, thread_id: threadId }, config(threadId));
      const waiting = await paused(threadId);
      if (!waiting) await checkpointer.deleteThread(threadId);
      const outcome = final.outcome as Outcome | null;
      if (!outcome) throw new Error(`gate thread ${threadId} ended without a decision`);
      return { ...outcome, action_category: final.candidate?.category ?? null, thread_id: waiting ? threadId : null };
    },

    async resumeDecided(accountId, settings) {
      const rows = await db
        .select()
        .from(approval_requests)
        .where(
          and(
            eq(approval_requests.account_id, accountId),
            isNotNull(approval_requests.graph_thread_id),
            ne(approval_requests.status, "pending"),
          ),
        )
        .orderBy(asc(approval_requests.decided_at));
      const summary: ResumeSummary = { resumed: 0, by_status: {}, failed: 0 };
      for (const request of rows) {
        const threadId = request.graph_thread_id!;
        try {
          if (!(await paused(threadId))) {
            await lostThread(deps, request, settings);
            summary.failed++;
            continue;
          }
          const final = await graph.invoke(new Command({ resume: await reviewOf(request) }), config(threadId));
          if (!(await paused(threadId))) await checkpointer.deleteThread(threadId);
          const status = (final.execution as Execution | null)?.status ?? "skipped";
          summary.resumed++;
          summary.by_status[status] = (summary.by_status[status] ?? 0) + 1;
        } catch (err) {
          // One request's failure is its own; it is tried again at the next tick or execution job.
          summary.failed++;
          deps.logger.error("resuming an approval failed", {
            approval_request_id: request.id,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      return summary;
    },

    async card(threadId) {
      const snapshot = await graph.getState(config(threadId));
      const value = snapshot.tasks.flatMap((t) => t.interrupts).at(0)?.value;
      return (value as ApprovalCard | undefined) ?? null;
    },
  };
}

/** A decided request whose paused thread is gone (its checkpoint was deleted): fail it visibly. */
async function lostThread(
  deps: GateDeps,
  request: typeof approval_requests.$inferSelect,
  settings: GateTick["settings"],
) {
  const now = new Date();
  const act = await acting(
    deps,
    {
      tick_id: null,
      correlation_id: `req:${request.id}`,
      account_id: request.account_id,
      now: now.toISOString(),
      force_approval: null,
      settings,
    },
    now,
  );
  await deps.services.database.db.transaction(async (tx) => {
    const [row] = await tx
      .update(approval_requests)
      .set({
        graph_thread_id: null,
        ...(request.status === "approved" && !request.execution_status
          ? {
              execution_status: "failed" as const,
              execution_result: { error: "the gate thread's checkpoint is missing" },
              executed_at: now,
            }
          : {}),
      })
      .where(and(eq(approval_requests.id, request.id), eq(approval_requests.graph_thread_id, request.graph_thread_id!)))
      .returning();
    if (row?.execution_status === "failed") {
      await emitEvent(
        tx,
        { ...act.origin, source: "approval" },
        {
          kind: "autonomy.approval_executed",
          severity: "high",
          subject_type: "approval_request",
          subject_id: request.id,
          fingerprint: request.fingerprint,
          payload: {
            approval_request_id: request.id,
            execution_status: "failed",
            error: "the gate thread's checkpoint is missing",
          },
        },
      );
    }
  });
}
