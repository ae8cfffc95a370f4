// A prompt as data (spec/mcp.md §5): its listing (name, title, description, arguments), how each
// argument is parsed and completed, an optional `load` that reads what the prompt embeds as the
// session's principal, and a pure `render` from arguments and that context to prompt messages.
import { ErrorCode, McpError, type Prompt, type PromptMessage } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Completer } from "./completers.ts";
import type { SessionReads } from "./session-reads.ts";

export interface PromptArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  /** Parses the string the client sent (prompt arguments are strings); default: non-empty after trimming. */
  schema?: z.ZodType<unknown, string>;
  /** Values for completion/complete; an argument without one completes to nothing. */
  complete?: Completer;
}

export interface PromptDefinition<A = Record<string, unknown>, C = unknown> {
  name: string;
  title: string;
  description: string;
  arguments: readonly PromptArgumentSpec[];
  /** Reads what the prompt embeds; absent for a prompt that embeds nothing (render then gets undefined). */
  load?(args: A, reads: SessionReads): Promise<C>;
  /** Pure: the messages for these arguments and what `load` read. */
  render(args: A, context: C): PromptMessage[];
}

const DEFAULT_ARGUMENT = z.string().trim().min(1, "must not be empty");

export const promptListing = (p: PromptDefinition): Prompt => ({
  name: p.name,
  title: p.title,
  description: p.description,
  arguments: p.arguments.map((a) => ({ name: a.name, description: a.description, required: a.required })),
});

/** The client's arguments parsed strictly: a missing, empty or unknown argument is InvalidParams naming it. */
export function parsePromptArguments(p: PromptDefinition, raw: Record<string, string> | undefined) {
  const shape: Record<string, z.ZodType> = {};
  for (const a of p.arguments) {
    const schema = a.schema ?? DEFAULT_ARGUMENT;
    shape[a.name] = a.required ? schema : schema.optional();
  }
  const given = raw ?? {};
  const parsed = z.strictObject(shape).safeParse(given);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const errors = parsed.error.issues.flatMap((i) => {
    if (i.code === "unrecognized_keys") return i.keys.map((k) => ({ path: k, message: "unknown argument" }));
    const path = String(i.path[0] ?? "");
    return [{ path, message: given[path] === undefined ? "required" : i.message }];
  });
  const text = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
  throw new McpError(ErrorCode.InvalidParams, `${p.name}: ${text}`, { code: "invalid_input", errors });
}

export const userText = (text: string): PromptMessage => ({ role: "user", content: { type: "text", text } });

/** State embedded as a resource, so a client can show it apart from the instructions and re-read the URI. */
export const embeddedJson = (uri: string, value: unknown): PromptMessage => ({
  role: "user",
  content: {
    type: "resource",
    resource: { uri, mimeType: "application/json", text: JSON.stringify(value) },
  },
});

/** "4 min ago" / "in 2 h": how long between `now` and an ISO time, for a model that cannot read clocks. */
export function relative(now: Date, iso: string | null): string {
  if (!iso) return "never";
  const ms = Date.parse(iso) - now.getTime();
  const s = Math.round(Math.abs(ms) / 1000);
  const span =
    s < 90
      ? `${s} s`
      : s < 5400
        ? `${Math.round(s / 60)} min`
        : s < 172_800
          ? `${Math.round(s / 3600)} h`
          : `${Math.round(s / 86_400)} d`;
  return ms <= 0 ? `${iso} (${span} ago)` : `${iso} (in ${span})`;
}

/** One line of a value for a summary; long text is cut so the summary stays a summary. */
export const clip = (text: string | null | undefined, max = 200) =>
  !text ? "" : text.length > max ? `${text.slice(0, max)}…` : text;
