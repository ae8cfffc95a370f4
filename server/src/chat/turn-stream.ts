// One concierge turn as an AI SDK v6 UI message stream (spec/ui.md §3.2): the model's context is
// rebuilt from the conversation's persisted messages, the graph runs with the gated tool runner,
// and its events become UI chunks. The stream is teed: one branch goes to the client, the other is
// assembled into the assistant message by the SDK's own reader, so what is stored is exactly what
// was streamed. When the turn ends the user message and that message are stored in one transaction,
// and only then does the client's stream end. A client that goes away stops the turn (the model is
// cut, calls not started are not run) and what was produced is stored with `stopped: true`.
import { type Catalog, type Principal, type Services, toAppError } from "@nodepilot/core";
import { conciergeContext, conciergeSystemPrompt, operationForTool, streamConciergeTurn } from "@nodepilot/graphs";
import { newId } from "@nodepilot/store";
import { createUIMessageStream, readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import type { ConciergeModels } from "./concierge-models.ts";
import { type ConversationRow, type ConversationStore, type PendingLink, titleFrom } from "./conversation-store.ts";
import { contextTurns } from "./model-context.ts";
import { chatToolRunner } from "./tool-runner.ts";
import { TurnChunks } from "./ui-chunks.ts";

export interface TurnDeps {
  services: Services;
  catalog: Catalog;
  store: ConversationStore;
  models: ConciergeModels;
  /** Told of the approval requests a stored turn's calls are waiting on. */
  onPending(accountId: string, approvalRequestIds: string[]): void;
}

export interface TurnRequest {
  conversation: ConversationRow;
  /** The conversation's messages before this turn. */
  history: UIMessage[];
  principal: Principal;
  text: string;
  /** The lease this turn holds on the conversation (claimTurn). */
  turnId: string;
  requestId: string;
  /** Aborts when the client goes away. */
  disconnected: AbortSignal;
}

/** The client's branch, ended only once `stored` settles and stopping the turn when cancelled. */
function endingAfter(
  stream: ReadableStream<UIMessageChunk>,
  stored: Promise<void>,
  stop: () => void,
): ReadableStream<UIMessageChunk> {
  const reader = stream.getReader();
  return new ReadableStream<UIMessageChunk>({
    async pull(controller) {
      const next = await reader.read();
      if (!next.done) {
        controller.enqueue(next.value);
        return;
      }
      await stored;
      controller.close();
    },
    async cancel(reason) {
      stop();
      await reader.cancel(reason);
    },
  });
}

export function streamTurn(deps: TurnDeps, req: TurnRequest): ReadableStream<UIMessageChunk> {
  const { conversation, principal } = req;
  const stop = new AbortController();
  const halt = () => stop.abort();
  req.disconnected.addEventListener("abort", halt, { once: true });
  if (req.disconnected.aborted) halt();
  const links: PendingLink[] = [];
  const messageId = newId();
  let failure: string | undefined;
  /** The graph ran to its end before any stop: a client leaving after that stopped nothing. */
  let completed = false;

  const source = createUIMessageStream<UIMessage>({
    generateId: newId,
    onError(err) {
      const e = toAppError(err);
      if (e.code === "internal") {
        deps.services.logger.error("concierge turn failed", {
          conversation_id: conversation.id,
          request_id: req.requestId,
          error: String(e.cause ?? e.message),
        });
      }
      failure = e.code === "internal" ? "internal error" : `${e.code}: ${e.message}`;
      return failure;
    },
    async execute({ writer }) {
      writer.write({ type: "start", messageId, messageMetadata: { model: deps.models.name } });
      const chunks = new TurnChunks(
        (chunk) => writer.write(chunk),
        (tool) => operationForTool(deps.catalog.operations, tool),
        newId,
      );
      const runTool = chatToolRunner(deps, {
        principal,
        requestId: req.requestId,
        correlationId: `chat:${conversation.id}`,
        via: "chat",
        onPending: (link) => links.push(link),
      });
      const context = conciergeContext(conciergeSystemPrompt(deps.services.clock()), [
        ...contextTurns(req.history),
        { role: "user", text: req.text },
      ]);
      try {
        const model = deps.models.forTurn(principal.accountId);
        for await (const item of streamConciergeTurn({ model, runTool, stop: stop.signal }, context)) {
          if (item.type === "done") completed = !item.stopped;
          else chunks.event(item);
        }
      } finally {
        chunks.end();
      }
      writer.write({ type: "finish", finishReason: completed ? "stop" : "other" });
    },
  });

  const [toClient, toStore] = source.tee();
  const stored = (async () => {
    try {
      let last: UIMessage | undefined;
      for await (const snapshot of readUIMessageStream<UIMessage>({ stream: toStore, onError: () => {} })) {
        last = snapshot;
      }
      const metadata = {
        ...((last?.metadata as Record<string, unknown> | undefined) ?? { model: deps.models.name }),
        ...(stop.signal.aborted && !completed ? { stopped: true } : {}),
        ...(failure ? { error: failure } : {}),
      };
      const user: UIMessage = { id: newId(), role: "user", parts: [{ type: "text", text: req.text }] };
      const assistant: UIMessage = { id: messageId, role: "assistant", parts: last?.parts ?? [], metadata };
      await deps.store.finishTurn({
        conversation,
        turnId: req.turnId,
        messages: [user, assistant],
        title: conversation.title ? null : titleFrom(req.text),
        links,
        now: deps.services.clock(),
      });
      if (links.length > 0) {
        deps.onPending(
          principal.accountId,
          links.map((l) => l.approvalRequestId),
        );
      }
    } catch (err) {
      deps.services.logger.error("could not store a concierge turn", {
        conversation_id: conversation.id,
        request_id: req.requestId,
        error: err instanceof Error ? err.message : String(err),
      });
      await deps.store.releaseTurn(conversation.id, req.turnId).catch(() => {});
    } finally {
      req.disconnected.removeEventListener("abort", halt);
    }
  })();
  return endingAfter(toClient, stored, halt);
}
