// Runs the concierge eval: each case is a fresh conversation with the chosen chat model, tools bound
// from the catalog. Read calls execute for real through the one invoke pipeline, so answers and
// follow-up lookups see real results; the first write of a turn is recorded and not executed, so
// the cases, which share one seeded fleet, cannot change it for each other.
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type AIMessage, type BaseMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { type AnyOperation, invoke, type Principal, TokenAuthenticator, toAppError } from "@nodepilot/core";
import { chatTools, conciergeSystemPrompt, operationForTool } from "@nodepilot/graphs";
import type { TestFleet } from "../server/src/testing/harness.ts";
import type { ConciergeCase } from "./concierge-cases.ts";
import type { FleetFixture } from "./fleet-fixture.ts";
import { type Grade, gradeCase, type MadeCall } from "./score-case.ts";

export interface CaseResult extends Grade {
  case: ConciergeCase;
  request: string;
  calls: MadeCall[];
  reply: string;
  ms: number;
}

/** Model calls per turn: lookups, the action, and the answer. */
const MAX_STEPS = 5;

export interface Turn {
  calls: MadeCall[];
  reply: string;
}

export async function runEval(opts: {
  fleet: TestFleet;
  fixture: FleetFixture;
  model: BaseChatModel;
  cases: readonly ConciergeCase[];
}): Promise<CaseResult[]> {
  const { runtime } = opts.fleet;
  const operations = runtime.catalog.operations;
  const principal = await new TokenAuthenticator(runtime.database.db).authenticate(opts.fleet.tokens.admin);
  const bound = opts.model.bindTools!(chatTools(operations));
  const results: CaseResult[] = [];
  for (const c of opts.cases) {
    const started = Date.now();
    const messages: BaseMessage[] = [new SystemMessage(conciergeSystemPrompt(new Date()))];
    const turn = (text: string) => runTurn(bound, messages, text, operations, runtime.services, principal);
    for (const earlier of c.before ?? []) await turn(earlier);
    const request = typeof c.request === "string" ? c.request : c.request(opts.fixture);
    const { calls, reply } = await turn(request);
    const grade = gradeCase(c, calls, reply, operations, opts.fixture);
    results.push({ ...grade, case: c, request, calls, reply, ms: Date.now() - started });
  }
  return results;
}

/**
 * One human turn: the model's tool calls are executed through invoke until it answers. Writes are
 * recorded and end the turn unexecuted, unless `executeWrites` (a conversation that may act).
 */
export async function runTurn(
  model: ReturnType<NonNullable<BaseChatModel["bindTools"]>>,
  messages: BaseMessage[],
  text: string,
  operations: readonly AnyOperation[],
  services: Parameters<typeof invoke>[0],
  principal: Principal,
  executeWrites = false,
): Promise<Turn> {
  messages.push(new HumanMessage(text));
  const calls: MadeCall[] = [];
  for (let step = 0; step < MAX_STEPS; step++) {
    const ai = (await model.invoke(messages)) as AIMessage;
    messages.push(ai);
    const toolCalls = ai.tool_calls ?? [];
    if (toolCalls.length === 0)
      return { calls, reply: typeof ai.content === "string" ? ai.content : JSON.stringify(ai.content) };
    const ops = toolCalls.map((tc) => operationForTool(operations, tc.name));
    for (const [i, tc] of toolCalls.entries()) calls.push({ operation: ops[i]?.name ?? tc.name, arguments: tc.args });
    if (!executeWrites && ops.some((op) => op && op.effect !== "read")) return { calls, reply: "" };
    for (const tc of toolCalls) {
      const op = operationForTool(operations, tc.name);
      const id = tc.id ?? tc.name;
      if (!op) {
        messages.push(new ToolMessage({ content: `unknown tool ${tc.name}`, tool_call_id: id, status: "error" }));
        continue;
      }
      try {
        const result = await invoke(services, op, principal, tc.args, { source: "api" });
        messages.push(new ToolMessage({ content: JSON.stringify(result), tool_call_id: id, name: tc.name }));
      } catch (err) {
        const e = toAppError(err);
        messages.push(
          new ToolMessage({
            content: JSON.stringify({ error: { code: e.code, message: e.message } }),
            tool_call_id: id,
            name: tc.name,
            status: "error",
          }),
        );
      }
    }
  }
  return { calls, reply: "" };
}

export function passRate(results: readonly CaseResult[]): number {
  return results.length ? results.filter((r) => r.pass).length / results.length : 0;
}

/** A plain-text table of the results, one line per case, and the pass rate. */
export function formatResults(results: readonly CaseResult[], modelName: string): string {
  const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
  const callText = (r: CaseResult) =>
    r.calls.length
      ? r.calls.map((c) => `${c.operation} ${JSON.stringify(c.arguments)}`).join("; ")
      : `(reply) ${r.reply.replace(/\s+/g, " ")}`;
  const lines = results.map(
    (r) =>
      `${r.pass ? "✓" : "✗"} ${short(r.case.id, 9)} ${short(r.request.replace(/[0-9a-f-]{36}/g, "<id>"), 52)} ${short(callText(r).replace(/[0-9a-f-]{36}/g, "<id>"), 70)}${r.pass ? "" : `  ← ${r.why}`}`,
  );
  const passed = results.filter((r) => r.pass).length;
  return [
    `concierge eval — model: ${modelName}`,
    ...lines,
    "",
    `pass rate: ${passed}/${results.length} = ${(passRate(results) * 100).toFixed(1)}%`,
  ].join("\n");
}
