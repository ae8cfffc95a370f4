// The concierge's HTTP surface for the web UI (spec/ui.md §3), under /api/v1:
//   GET    /conversations                the caller's, newest first
//   POST   /conversations                { title? } → 201
//   GET    /conversations/:id            with its messages (AI SDK v6 UI messages)
//   DELETE /conversations/:id            → 204
//   POST   /conversations/:id/messages   { text } → the reply as a UI message stream (SSE); 409 while a turn runs
//   POST   /actions                      { operation, input } → a page button's call, through the same gate
// Conversations are the caller's own: another principal's answers 404.
import { randomUUID } from "node:crypto";
import { AppError, type Catalog, type Principal } from "@nodepilot/core";
import { isChatExported } from "@nodepilot/graphs";
import { createUIMessageStreamResponse } from "ai";
import type { Hono } from "hono";
import { z } from "zod";
import { API_BASE } from "../rest/routes.ts";
import { type ChatHttpDeps, chatHandler, readJson } from "./chat-http.ts";
import { type ConversationStore, conversationOut } from "./conversation-store.ts";
import { runChatCall } from "./tool-runner.ts";
import { streamTurn, type TurnDeps } from "./turn-stream.ts";

export interface ChatRouteDeps extends ChatHttpDeps, TurnDeps {
  catalog: Catalog;
  store: ConversationStore;
}

export const CreateBody = z.strictObject({ title: z.string().trim().min(1).max(200).optional() });
export const MessageBody = z.strictObject({
  text: z
    .string()
    .max(4000)
    .refine((t) => t.trim().length > 0, "must not be empty"),
});
export const ActionBody = z.strictObject({
  operation: z.string().min(1).max(100),
  input: z.record(z.string(), z.unknown()).default({}),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The path's conversation id; anything that is not a uuid names no conversation. */
function conversationId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new AppError("not_found", `conversation ${raw ?? ""} was not found`);
  return raw.toLowerCase();
}

export function mountChatRoutes(app: Hono, deps: ChatRouteDeps): void {
  const base = `${API_BASE}/conversations`;
  const handle = (h: Parameters<typeof chatHandler>[1]) => chatHandler(deps, h);

  app.get(
    base,
    handle(async (c, principal) => c.json({ data: (await deps.store.list(principal)).map(conversationOut) })),
  );

  app.post(
    base,
    handle(async (c, principal) => {
      const body = await readJson(c, CreateBody);
      const row = await deps.store.create(principal, body.title ?? null);
      return c.json({ data: conversationOut(row) }, 201);
    }),
  );

  app.get(
    `${base}/:id`,
    handle(async (c, principal) => {
      const row = await deps.store.get(principal, conversationId(c.req.param("id")));
      return c.json({ data: { ...conversationOut(row), messages: await deps.store.messages(row.id) } });
    }),
  );

  app.delete(
    `${base}/:id`,
    handle(async (c, principal) => {
      await deps.store.delete(principal, conversationId(c.req.param("id")));
      return c.body(null, 204);
    }),
  );

  app.post(
    `${base}/:id/messages`,
    handle(async (c, principal, requestId) => {
      const conversation = await deps.store.get(principal, conversationId(c.req.param("id")));
      const { text } = await readJson(c, MessageBody);
      const turnId = randomUUID();
      if (!(await deps.store.claimTurn(conversation.id, turnId, deps.services.clock()))) {
        throw new AppError("conflict", "a reply is still being written in this conversation; wait for it or stop it", {
          reason: "turn_in_progress",
        });
      }
      let history: Awaited<ReturnType<ConversationStore["messages"]>>;
      try {
        history = await deps.store.messages(conversation.id);
      } catch (err) {
        await deps.store.releaseTurn(conversation.id, turnId);
        throw err;
      }
      const stream = streamTurn(deps, {
        conversation,
        history,
        principal,
        text,
        turnId,
        requestId,
        disconnected: c.req.raw.signal,
      });
      // Proxies must not buffer the reply (it is read token by token), nor drop it while a tool runs.
      return createUIMessageStreamResponse({ stream, keepAliveMs: 15_000, headers: { "x-accel-buffering": "no" } });
    }),
  );

  app.post(
    `${API_BASE}/actions`,
    handle(async (c, principal: Principal, requestId) => {
      const body = await readJson(c, ActionBody);
      const op = deps.catalog.get(body.operation);
      if (!op || !isChatExported(op)) {
        throw new AppError("invalid_input", `operation: no operation named ${body.operation} can be run here`, {
          errors: [{ path: "operation", message: "unknown operation" }],
        });
      }
      const result = await runChatCall(deps, { principal, requestId, correlationId: null, via: "web" }, op, body.input);
      return c.json({
        data: result.status === "applied" ? { status: "applied", output: result.output ?? null } : result,
      });
    }),
  );
}
