// The concierge chat of a process (spec/ui.md §3): the chat model chosen once at start-up (an
// OpenAI-compatible endpoint when configured, else the offline model), the conversation store, the
// routes, the resumer that continues a thread after its approval is decided, and the runner that
// executes AI actors' approved calls as soon as they are approved. Built by the runtime; nothing
// starts before start().
import type { Catalog, Logger, Services, TokenAuthenticator } from "@nodepilot/core";
import { chooseChatModel, conciergeVocabulary, storeResolver } from "@nodepilot/graphs";
import type { Hono } from "hono";
import type { EventHub } from "../events/event-hub.ts";
import { ApprovalResumer } from "./approval-resumer.ts";
import { type ApprovedCallRunner, approvedCallRunner } from "./approved-call-runner.ts";
import { mountChatRoutes } from "./chat-routes.ts";
import { ConciergeModels } from "./concierge-models.ts";
import { ConversationStore } from "./conversation-store.ts";

export interface ChatSurfaceDeps {
  services: Services;
  catalog: Catalog;
  auth: TokenAuthenticator;
  hub: EventHub;
  logger: Logger;
  /** OPENAI_API_KEY, OPENAI_BASE_URL, NODEPILOT_MODEL as configured (chooseChatModel parses them). */
  modelEnv: Record<string, string | undefined>;
  /** The process's own account: its offline model is the one chosen at start-up. */
  accountId: string;
}

export interface ChatSurface {
  /** "offline" or the configured model's name. */
  model: string;
  approvedCalls: ApprovedCallRunner;
  mount(app: Hono): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function buildChatSurface(deps: ChatSurfaceDeps): Promise<ChatSurface> {
  const { services, catalog } = deps;
  const db = services.database.db;
  const vocabulary = conciergeVocabulary(catalog.operations, services.sensors);
  const chosen = await chooseChatModel(deps.modelEnv, {
    operations: catalog.operations,
    resolver: storeResolver(db, deps.accountId),
    vocabulary,
  });
  const models = new ConciergeModels(chosen, { operations: catalog.operations, db, vocabulary });
  const store = new ConversationStore(services.database);
  const resumer = new ApprovalResumer({ services, catalog, store, models, hub: deps.hub, logger: deps.logger });
  const approvedCalls = approvedCallRunner(services, catalog, deps.logger);
  return {
    model: models.name,
    approvedCalls,
    mount(app) {
      mountChatRoutes(app, {
        services,
        catalog,
        auth: deps.auth,
        store,
        models,
        onPending: (accountId, ids) => resumer.waitFor(accountId, ids),
      });
    },
    start: () => resumer.start(),
    async close() {
      await resumer.close();
      await approvedCalls.idle();
    },
  };
}
