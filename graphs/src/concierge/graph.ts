// The concierge agent (spec/ui.md §3): a LangGraph StateGraph over messages in which `agent` (the
// chat model, catalog tools bound) and `tools` (the injected tool runner) alternate until the model
// answers, the step cap is reached or the turn is stopped:
//   START → agent ─┬─ tool calls → tools ─┬─ steps left → agent
//                  └─ answer → END        └─ cap reached → limit → END
// Each step reports what it produces as custom stream events — the text as it streams, each tool
// call, each result — for a surface to render. Nothing here knows of HTTP, the store or the gate:
// the runner decides what a call does (scope, gate, invoke) and answers with its outcome.
import {
  AIMessage,
  type AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import { concat } from "@langchain/core/utils/stream";
import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { streamedToolCalls } from "./strict-tool-calls.ts";

export interface ConciergeToolCall {
  id: string;
  /** The tool's name as bound (`instance_list`). */
  name: string;
  args: Record<string, unknown>;
}

export interface ToolCallError {
  code: string;
  message: string;
  reason?: string;
  details?: Record<string, unknown>;
}

export type ToolCallOutcome = { ok: true; output: unknown } | { ok: false; error: ToolCallError };

/** Runs one tool call; refusals are outcomes, not throws. */
export type ConciergeToolRunner = (call: ConciergeToolCall) => Promise<ToolCallOutcome>;

export type ConciergeEvent =
  | { type: "step"; step: number }
  | { type: "text"; delta: string }
  /** `invalid` carries the parse error of arguments that were not JSON; such a call never runs. */
  | { type: "tool_call"; call: ConciergeToolCall; invalid?: string }
  | { type: "tool_result"; call: ConciergeToolCall; outcome: ToolCallOutcome };

/** The bound chat model as the graph uses it: any LangChain chat model after bindTools. */
export interface ConciergeModel {
  stream(messages: BaseMessage[], options?: { signal?: AbortSignal }): Promise<AsyncIterable<AIMessageChunk>>;
}

export interface ConciergeGraphDeps {
  model: ConciergeModel;
  runTool: ConciergeToolRunner;
  /** Model calls per turn (default 5): lookups, the action, and the answer. */
  maxSteps?: number;
  /** Stops the turn: the model's generation is cut, calls not started yet are not run. */
  stop?: AbortSignal;
}

export const CONCIERGE_MAX_STEPS = 5;

const ConciergeState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** Model calls made in this turn. */
  steps: Annotation<number>({ reducer: (_old, next) => next, default: () => 0 }),
  /** Tool calls whose arguments did not parse, by id, with the parse error. */
  invalid: Annotation<Record<string, string>>({ reducer: (old, next) => ({ ...old, ...next }), default: () => ({}) }),
  stopped: Annotation<boolean>({ reducer: (_old, next) => next, default: () => false }),
});
type State = typeof ConciergeState.State;

const textOf = (content: AIMessageChunk["content"]): string =>
  typeof content === "string"
    ? content
    : content.map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");

const STOPPED: ToolCallOutcome = {
  ok: false,
  error: { code: "unavailable", reason: "stopped", message: "not run: the reply was stopped before this call" },
};

/** What the model sees of an outcome: the output as JSON, or the error under `error`. */
export function toolMessageOf(call: ConciergeToolCall, outcome: ToolCallOutcome): ToolMessage {
  return outcome.ok
    ? new ToolMessage({
        content: JSON.stringify(outcome.output ?? null),
        artifact: outcome.output,
        tool_call_id: call.id,
        name: call.name,
      })
    : new ToolMessage({
        content: JSON.stringify({ error: outcome.error }),
        tool_call_id: call.id,
        name: call.name,
        status: "error",
      });
}

/** One model call of an earlier turn: what it said and the calls it made, each with its outcome. */
export interface ContextStep {
  text: string;
  calls: { call: ConciergeToolCall; outcome: ToolCallOutcome }[];
}

export type ContextTurn = { role: "user"; text: string } | { role: "assistant"; steps: ContextStep[] };

/**
 * A conversation as the model reads it: the system prompt, a human message per user message, and per
 * assistant step the model's message (text and tool calls) followed by each call's result.
 */
export function conciergeContext(system: string, turns: readonly ContextTurn[]): BaseMessage[] {
  const out: BaseMessage[] = [new SystemMessage(system)];
  for (const t of turns) {
    if (t.role === "user") {
      out.push(new HumanMessage(t.text));
      continue;
    }
    for (const step of t.steps) {
      if (!step.text && step.calls.length === 0) continue;
      out.push(
        new AIMessage({
          content: step.text,
          tool_calls: step.calls.map(({ call }) => ({ ...call, type: "tool_call" as const })),
        }),
      );
      for (const { call, outcome } of step.calls) out.push(toolMessageOf(call, outcome));
    }
  }
  return out;
}

/** The model's answer to the context as it stands, without tools: its text. */
export async function conciergeAnswer(
  model: { invoke(messages: BaseMessage[]): Promise<{ content: AIMessageChunk["content"] }> },
  messages: BaseMessage[],
): Promise<string> {
  return textOf((await model.invoke(messages)).content);
}

const emitter = (config: LangGraphRunnableConfig) => (event: ConciergeEvent) => config.writer?.(event);

export function buildConciergeGraph(deps: ConciergeGraphDeps) {
  const maxSteps = deps.maxSteps ?? CONCIERGE_MAX_STEPS;
  const stopped = () => deps.stop?.aborted === true;

  async function agent(state: State, config: LangGraphRunnableConfig): Promise<Partial<State>> {
    if (stopped()) return { stopped: true };
    const emit = emitter(config);
    const step = state.steps + 1;
    emit({ type: "step", step });
    let reply: AIMessageChunk | undefined;
    let cut = false;
    try {
      const stream = await deps.model.stream(state.messages, deps.stop ? { signal: deps.stop } : {});
      for await (const chunk of stream) {
        reply = reply ? concat(reply, chunk) : chunk;
        const delta = textOf(chunk.content);
        if (delta) emit({ type: "text", delta });
      }
    } catch (err) {
      if (!stopped()) throw err;
      cut = true;
    }
    const content = reply?.content ?? "";
    if (cut || stopped()) {
      // What was said before the stop stays; calls it was still forming are dropped.
      return {
        messages: [new AIMessage({ content, ...(reply?.id ? { id: reply.id } : {}) })],
        steps: step,
        stopped: true,
      };
    }
    const invalid: Record<string, string> = {};
    const strict = reply ? streamedToolCalls(reply) : { calls: [], invalid: [] };
    const calls: ConciergeToolCall[] = strict.calls.map((c, i) => ({
      id: c.id || `call_${step}_${i}`,
      name: c.name,
      args: c.args ?? {},
    }));
    for (const [i, c] of strict.invalid.entries()) {
      const id = c.id || `call_${step}_invalid_${i}`;
      invalid[id] = c.error ?? "the arguments are not valid JSON";
      calls.push({ id, name: c.name ?? "unknown", args: {} });
    }
    for (const call of calls) {
      emit({ type: "tool_call", call, ...(invalid[call.id] ? { invalid: invalid[call.id] } : {}) });
    }
    const message = new AIMessage({
      content,
      ...(reply?.id ? { id: reply.id } : {}),
      tool_calls: calls.map((c) => ({ ...c, type: "tool_call" as const })),
      response_metadata: reply?.response_metadata ?? {},
      ...(reply?.usage_metadata ? { usage_metadata: reply.usage_metadata } : {}),
    });
    return { messages: [message], steps: step, invalid };
  }

  async function tools(state: State, config: LangGraphRunnableConfig): Promise<Partial<State>> {
    const emit = emitter(config);
    const last = state.messages.at(-1) as AIMessage;
    const results: ToolMessage[] = [];
    for (const c of last.tool_calls ?? []) {
      const call: ConciergeToolCall = { id: c.id as string, name: c.name, args: c.args };
      const bad = state.invalid[call.id];
      let outcome: ToolCallOutcome;
      if (stopped()) outcome = STOPPED;
      else if (bad !== undefined) {
        outcome = { ok: false, error: { code: "invalid_input", message: `the arguments are not valid JSON: ${bad}` } };
      } else {
        try {
          outcome = await deps.runTool(call);
        } catch (err) {
          outcome = {
            ok: false,
            error: { code: "internal", message: err instanceof Error ? err.message : String(err) },
          };
        }
      }
      emit({ type: "tool_result", call, outcome });
      results.push(toolMessageOf(call, outcome));
    }
    return { messages: results, ...(stopped() ? { stopped: true } : {}) };
  }

  async function limit(state: State, config: LangGraphRunnableConfig): Promise<Partial<State>> {
    const emit = emitter(config);
    const text = `I stopped after ${maxSteps} rounds of tool calls without reaching an answer. Ask me to go on, or narrow the request.`;
    emit({ type: "step", step: state.steps + 1 });
    emit({ type: "text", delta: text });
    return { messages: [new AIMessage(text)] };
  }

  return new StateGraph(ConciergeState)
    .addNode("agent", agent)
    .addNode("tools", tools)
    .addNode("limit", limit)
    .addEdge(START, "agent")
    .addConditionalEdges(
      "agent",
      (state) => {
        const last = state.messages.at(-1) as AIMessage | undefined;
        return !state.stopped && last?.tool_calls?.length ? "tools" : END;
      },
      ["tools", END],
    )
    .addConditionalEdges("tools", (state) => (state.stopped ? END : state.steps >= maxSteps ? "limit" : "agent"), [
      "agent",
      "limit",
      END,
    ])
    .addEdge("limit", END)
    .compile({ name: "concierge" });
}

export type ConciergeStreamItem = ConciergeEvent | { type: "done"; messages: BaseMessage[]; stopped: boolean };

/**
 * One turn: the conversation so far (system prompt and the new human message included) through the
 * graph; yields the events as they happen, then the final messages.
 */
export async function* streamConciergeTurn(
  deps: ConciergeGraphDeps,
  messages: BaseMessage[],
): AsyncGenerator<ConciergeStreamItem> {
  const graph = buildConciergeGraph(deps);
  const maxSteps = deps.maxSteps ?? CONCIERGE_MAX_STEPS;
  let last: State | undefined;
  const stream = await graph.stream(
    { messages },
    { streamMode: ["custom", "values"], recursionLimit: maxSteps * 2 + 4 },
  );
  for await (const [mode, chunk] of stream as AsyncIterable<[string, unknown]>) {
    if (mode === "custom") yield chunk as ConciergeEvent;
    else last = chunk as State;
  }
  yield { type: "done", messages: last?.messages ?? messages, stopped: last?.stopped ?? deps.stop?.aborted ?? false };
}
