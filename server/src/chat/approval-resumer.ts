// After a person decides, the concierge continues in the thread the call came from (spec/ui.md §3.4
// "the agent resumes in the same thread, even when the card is not the last message"): once a
// conversation's pending approval request is executed (autonomy.approval_executed), rejected or
// expired, an assistant message is appended there — a dynamic tool part with the original tool
// name and arguments and the outcome, then the model's short answer to it. Decisions are noticed on
// the process's live event hub; every replica tries and the first to claim the link appends it,
// once. Accounts with conversations waiting are followed from start-up, so a restart misses nothing.
import type { Catalog, Logger, Services } from "@nodepilot/core";
import { conciergeAnswer, conciergeContext, conciergeSystemPrompt, operationForTool } from "@nodepilot/graphs";
import { newId } from "@nodepilot/store";
import type { UIMessage } from "ai";
import type { EventHub, Subscription } from "../events/event-hub.ts";
import type { ConciergeModels } from "./concierge-models.ts";
import type { ApprovalLinkRow, ConversationStore } from "./conversation-store.ts";
import { contextTurns } from "./model-context.ts";

const OUTCOME_KINDS = new Set([
  "autonomy.approval_executed",
  "autonomy.approval_rejected",
  "autonomy.approval_expired",
]);

type Request = NonNullable<Awaited<ReturnType<ConversationStore["approvalRequest"]>>>;

export interface ResumedOutput {
  status: "executed" | "rejected" | "expired";
  execution_status: string | null;
  result: Record<string, unknown> | null;
}

/** The outcome of a request, or undefined while it is still to come (pending, or approved and not run yet). */
export function outcomeOf(r: Request): ResumedOutput | undefined {
  if (r.status === "rejected" || r.status === "cancelled") {
    return {
      status: "rejected",
      execution_status: null,
      result: { request_status: r.status, reason: r.rejection_reason },
    };
  }
  if (r.status === "expired") {
    return { status: "expired", execution_status: null, result: { expired_at: r.expires_at.toISOString() } };
  }
  if (r.status === "approved" && r.execution_status && r.execution_status !== "executing") {
    return { status: "executed", execution_status: r.execution_status, result: r.execution_result ?? null };
  }
  return undefined;
}

export interface ResumerDeps {
  services: Services;
  catalog: Catalog;
  store: ConversationStore;
  models: ConciergeModels;
  hub: EventHub;
  logger: Logger;
}

export class ApprovalResumer {
  private readonly followed = new Map<string, Promise<Subscription | undefined>>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: ResumerDeps) {}

  /** Follow every account with a conversation waiting, and resume what was decided while down. */
  async start(): Promise<void> {
    for (const accountId of await this.deps.store.accountsWaiting()) {
      await this.follow(accountId);
      this.track(this.sweep(accountId));
    }
  }

  /** A turn stored calls that wait on these requests: follow the account, and catch decisions already made. */
  waitFor(accountId: string, approvalRequestIds: readonly string[]): void {
    this.track(
      (async () => {
        await this.follow(accountId);
        for (const id of approvalRequestIds) await this.resumeRequest(id);
      })(),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const f of this.followed.values()) (await f.catch(() => undefined))?.close();
    this.followed.clear();
    await Promise.allSettled([...this.running]);
  }

  private track(work: Promise<void>): void {
    const p = work.catch((err: unknown) =>
      this.deps.logger.warn("could not resume a conversation after an approval", {
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private follow(accountId: string): Promise<Subscription | undefined> {
    let f = this.followed.get(accountId);
    if (!f) {
      f = this.deps.hub
        .subscribe(accountId, (e) => e.subject_type === "approval_request" && OUTCOME_KINDS.has(e.kind))
        .then((sub) => {
          void this.drain(accountId, sub);
          return sub;
        })
        .catch((err: unknown) => {
          this.followed.delete(accountId);
          if (!this.closed) throw err;
          return undefined;
        });
      this.followed.set(accountId, f);
    }
    return f;
  }

  private async drain(accountId: string, sub: Subscription): Promise<void> {
    for (let item = await sub.queue.next(); item && !this.closed; item = await sub.queue.next()) {
      if (item.type === "gap") this.track(this.sweep(accountId));
      else if (item.event.subject_id) this.track(this.resumeRequest(item.event.subject_id));
    }
  }

  /** Every waiting link of the account whose request has an outcome. */
  private async sweep(accountId: string): Promise<void> {
    const ids = new Set((await this.deps.store.openLinks({ accountId })).map((l) => l.approval_request_id));
    for (const id of ids) await this.resumeRequest(id);
  }

  private async resumeRequest(approvalRequestId: string): Promise<void> {
    const links = await this.deps.store.openLinks({ approvalRequestIds: [approvalRequestId] });
    if (links.length === 0) return;
    const request = await this.deps.store.approvalRequest(approvalRequestId);
    const output = request && outcomeOf(request);
    if (!output) return;
    for (const link of links) {
      const message = await this.resumedMessage(link, output);
      await this.deps.store.resume(link, message, this.deps.services.clock());
    }
  }

  private async resumedMessage(link: ApprovalLinkRow, output: ResumedOutput): Promise<UIMessage> {
    const toolCallId = `call_${newId().replaceAll("-", "")}`;
    const op = operationForTool(this.deps.catalog.operations, link.tool_name);
    const text = await this.answer(link, toolCallId, output);
    return {
      id: newId(),
      role: "assistant",
      metadata: { model: this.deps.models.name, resumed: true, approval_request_id: link.approval_request_id },
      parts: [
        { type: "step-start" },
        {
          type: "dynamic-tool",
          toolName: link.tool_name,
          toolCallId,
          state: "output-available",
          input: link.tool_input,
          output,
          ...(op ? { title: op.title, toolMetadata: { operation: op.name, effect: op.effect } } : {}),
        },
        { type: "step-start" },
        { type: "text", text, state: "done" },
      ],
    };
  }

  /** The model's words on the outcome, with the conversation so far as context; it calls nothing. */
  private async answer(link: ApprovalLinkRow, toolCallId: string, output: ResumedOutput): Promise<string> {
    const history = await this.deps.store.messages(link.conversation_id);
    const call = { id: toolCallId, name: link.tool_name, args: link.tool_input };
    const context = conciergeContext(conciergeSystemPrompt(this.deps.services.clock()), [
      ...contextTurns(history),
      { role: "assistant", steps: [{ text: "", calls: [{ call, outcome: { ok: true, output } }] }] },
    ]);
    try {
      const text = await conciergeAnswer(this.deps.models.forAnswer(link.account_id), context);
      if (text.trim()) return text;
    } catch (err) {
      this.deps.logger.warn("the chat model could not answer a resumed approval", {
        approval_request_id: link.approval_request_id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    // The card carries the outcome either way; without the model's words, say it plainly.
    return `${link.tool_name} ${output.status}${output.execution_status ? ` (${output.execution_status})` : ""}.`;
  }
}
