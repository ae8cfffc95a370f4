// The model's context rebuilt from a conversation's persisted UI messages, which are the source of
// truth (spec/ui.md §3): a user message is the user's text; an assistant message is, per step
// (`step-start`), the model's text and tool calls with each call's outcome, exactly as the graph had
// them when the step ran. A tool error is the structured error its part keeps in toolMetadata (else
// the `code: message` it showed). The graph turns these into the model's messages.
import { ERROR_CODES } from "@nodepilot/core";
import type { ContextStep, ContextTurn, ToolCallOutcome } from "@nodepilot/graphs";
import type { UIMessage } from "ai";

type Part = UIMessage["parts"][number];
type ToolPart = Extract<Part, { type: "dynamic-tool" }>;

const CODE = new RegExp(`^(${ERROR_CODES.join("|")}): ([\\s\\S]*)$`);

/** The error a tool part's `errorText` shows, back as the structured error the model saw. */
export function errorOfText(errorText: string): { code: string; message: string } {
  const m = CODE.exec(errorText);
  return m ? { code: m[1] as string, message: m[2] as string } : { code: "internal", message: errorText };
}

function outcomeOf(part: ToolPart): ToolCallOutcome {
  if (part.state === "output-available") return { ok: true, output: part.output };
  if (part.state === "output-error") {
    const error = part.toolMetadata?.error as { code?: unknown; message?: unknown } | undefined;
    if (typeof error?.code === "string" && typeof error.message === "string") {
      return { ok: false, error: error as { code: string; message: string } };
    }
    return { ok: false, error: errorOfText(part.errorText) };
  }
  // A call persisted without a result (the reply ended while it ran) must still be answered.
  return { ok: false, error: { code: "unavailable", message: "the call ended without a result" } };
}

const inputOf = (part: ToolPart): Record<string, unknown> =>
  typeof part.input === "object" && part.input !== null && !Array.isArray(part.input)
    ? (part.input as Record<string, unknown>)
    : {};

function stepOf(parts: readonly Part[]): ContextStep {
  return {
    text: parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join(""),
    calls: parts
      .filter((p): p is ToolPart => p.type === "dynamic-tool")
      .map((t) => ({ call: { id: t.toolCallId, name: t.toolName, args: inputOf(t) }, outcome: outcomeOf(t) })),
  };
}

/** Split at `step-start`; parts before the first marker form a step of their own. */
function stepsOf(parts: readonly Part[]): ContextStep[] {
  const steps: Part[][] = [[]];
  for (const p of parts) {
    if (p.type === "step-start") steps.push([]);
    else steps.at(-1)!.push(p);
  }
  return steps.filter((s) => s.length > 0).map(stepOf);
}

export function contextTurns(messages: readonly UIMessage[]): ContextTurn[] {
  const out: ContextTurn[] = [];
  for (const m of messages) {
    if (m.role === "user") {
      const text = m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
      if (text) out.push({ role: "user", text });
    } else if (m.role === "assistant") {
      const steps = stepsOf(m.parts);
      if (steps.length > 0) out.push({ role: "assistant", steps });
    }
  }
  return out;
}
