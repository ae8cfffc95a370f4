// The concierge: its graph, the built-in offline model, the model factory, the catalog as chat
// tools and the store-backed name resolver.
export { chatTools, isChatExported, operationForTool } from "./chat-tools.ts";
export { type ChosenModel, chooseChatModel, DEFAULT_OPENAI_MODEL, ModelEnv } from "./choose-model.ts";
export {
  buildConciergeGraph,
  type ConciergeEvent,
  type ConciergeGraphDeps,
  type ConciergeModel,
  type ConciergeStreamItem,
  type ConciergeToolCall,
  type ConciergeToolRunner,
  type ContextStep,
  type ContextTurn,
  conciergeAnswer,
  conciergeContext,
  streamConciergeTurn,
  type ToolCallError,
  type ToolCallOutcome,
} from "./graph.ts";
export { OFFLINE_PREFACE } from "./offline/answer.ts";
export type { ToolOutcome } from "./offline/context.ts";
export type { EntityKind, EntityMatch, EntityRef, EntityResolver, Resolution } from "./offline/resolver.ts";
export { OfflineChatModel, type OfflineChatModelOptions } from "./offline-chat-model.ts";
export { storeResolver } from "./store-resolver.ts";
export { conciergeSystemPrompt } from "./system-prompt.ts";
export { conciergeVocabulary } from "./vocabulary.ts";
