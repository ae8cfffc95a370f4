// The concierge graph's events as AI SDK v6 UI message stream chunks (spec/ui.md §3.2–3.3): each
// model call is a step; text streams as text-start / text-delta / text-end; each tool call is a
// dynamic tool part — tool-input-available, then tool-output-available with the operation's output
// (or the pending approval), or tool-output-error with `code: message`. The part's toolMetadata
// carries the operation and its effect class (read calls render collapsed) and, on failure, the
// structured error (a block names its policy_id).
import type { AnyOperation } from "@nodepilot/core";
import type { ConciergeEvent, ToolCallError } from "@nodepilot/graphs";
import type { UIMessageChunk } from "ai";

type JSONObject = NonNullable<Extract<UIMessageChunk, { type: "tool-input-available" }>["toolMetadata"]>;

export const errorTextOf = (e: ToolCallError) => `${e.code}: ${e.message}`;

export class TurnChunks {
  private stepOpen = false;
  private textId: string | undefined;
  private readonly invalid = new Set<string>();

  constructor(
    private readonly write: (chunk: UIMessageChunk) => void,
    private readonly operationOf: (tool: string) => AnyOperation | undefined,
    private readonly newId: () => string,
  ) {}

  private meta(tool: string, error?: ToolCallError): JSONObject {
    const op = this.operationOf(tool);
    return {
      ...(op ? { operation: op.name, effect: op.effect } : {}),
      ...(error ? { error: JSON.parse(JSON.stringify(error)) as JSONObject } : {}),
    };
  }

  private endText() {
    if (this.textId === undefined) return;
    this.write({ type: "text-end", id: this.textId });
    this.textId = undefined;
  }

  /** Close what is open: the text, then the step. */
  end() {
    this.endText();
    if (this.stepOpen) this.write({ type: "finish-step" });
    this.stepOpen = false;
  }

  event(e: ConciergeEvent) {
    switch (e.type) {
      case "step":
        this.end();
        this.write({ type: "start-step" });
        this.stepOpen = true;
        return;
      case "text":
        if (this.textId === undefined) {
          this.textId = this.newId();
          this.write({ type: "text-start", id: this.textId });
        }
        this.write({ type: "text-delta", id: this.textId, delta: e.delta });
        return;
      case "tool_call": {
        this.endText();
        const { id, name, args } = e.call;
        const title = this.operationOf(name)?.title;
        if (e.invalid !== undefined) {
          this.invalid.add(id);
          const error = { code: "invalid_input", message: `the arguments are not valid JSON: ${e.invalid}` };
          this.write({
            type: "tool-input-error",
            toolCallId: id,
            toolName: name,
            input: args,
            errorText: errorTextOf(error),
            dynamic: true,
            toolMetadata: this.meta(name, error),
            ...(title ? { title } : {}),
          });
          return;
        }
        this.write({
          type: "tool-input-available",
          toolCallId: id,
          toolName: name,
          input: args,
          dynamic: true,
          toolMetadata: this.meta(name),
          ...(title ? { title } : {}),
        });
        return;
      }
      case "tool_result": {
        const { id, name } = e.call;
        if (this.invalid.has(id)) return;
        if (e.outcome.ok) {
          this.write({ type: "tool-output-available", toolCallId: id, output: e.outcome.output, dynamic: true });
        } else {
          this.write({
            type: "tool-output-error",
            toolCallId: id,
            errorText: errorTextOf(e.outcome.error),
            dynamic: true,
            toolMetadata: this.meta(name, e.outcome.error),
          });
        }
        return;
      }
    }
  }
}
