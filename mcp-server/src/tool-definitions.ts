// MCP tool definitions walked from the catalog (spec/mcp.md §1–3): one tool per operator operation
// that returns no secret, named by `toolName`, with JSON Schemas from the operation's zod input and
// output and annotations from its effect class — never hand-listed.
import { type AnyOperation, type Catalog, type JsonSchema, jsonSchemaOf, toolName } from "@nodepilot/core";
import { z } from "zod";

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputSchema: JsonSchema & { type: "object" };
  outputSchema: JsonSchema & { type: "object" };
  annotations: {
    title: string;
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
  _meta: Record<string, unknown>;
}

/** The operations MCP exports: operator-principal and secret-free (secrets never enter an LLM context). */
export const isExported = (op: AnyOperation) => op.principal === "operator" && !op.returnsSecret;

/** What a gated write answers instead of its output while a person has not approved it (spec/mcp.md §5). */
export const PendingApprovalSchema = z.strictObject({
  status: z.literal("pending_approval"),
  approval_request_id: z.uuid(),
  action_digest: z.string().regex(/^[0-9a-f]{64}$/),
  expires_at: z.string(),
  approve_url: z.string(),
  operation: z.string(),
  reason: z.string(),
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

const PENDING_JSON = jsonSchemaOf(PendingApprovalSchema, "output");

/** Annotations from the effect class; a hint that does not follow from it takes the cautious side. */
function annotationsOf(op: AnyOperation): ToolDefinition["annotations"] {
  const read = op.effect === "read";
  return {
    title: op.title,
    readOnlyHint: read,
    destructiveHint: op.effect === "destructive",
    idempotentHint: read || op.idempotent,
    openWorldHint: op.openWorld,
  };
}

const gatedNote = (op: AnyOperation) =>
  op.effect === "read"
    ? ""
    : ` Runs through the autonomy gate: it may proceed, be blocked by policy, or return {status: "pending_approval", approval_request_id, action_digest} until a different person approves (poll approval_request_get).`;

export function toolDefinition(op: AnyOperation): ToolDefinition {
  const output = jsonSchemaOf(op.output, "output");
  // A gated call answers either the operation's output or a pending approval, so both validate.
  const outputSchema =
    op.effect === "read"
      ? (output as ToolDefinition["outputSchema"])
      : { type: "object" as const, anyOf: [output, PENDING_JSON] };
  return {
    name: toolName(op.name),
    title: op.title,
    description: `${op.description}${gatedNote(op)}`.slice(0, 2048),
    inputSchema: jsonSchemaOf(op.input, "input") as ToolDefinition["inputSchema"],
    outputSchema,
    annotations: annotationsOf(op),
    _meta: {
      "nodepilot/operation": op.name,
      "nodepilot/scope": op.scope,
      "nodepilot/effect": op.effect,
      ...(op.actionCategory ? { "nodepilot/action_category": op.actionCategory } : {}),
      ...(op.deprecated ? { "nodepilot/deprecated": op.deprecated } : {}),
    },
  };
}

export interface ToolIndex {
  definitions: readonly ToolDefinition[];
  /** The operation behind a tool name, or undefined for a name this server does not export. */
  operation(name: string): AnyOperation | undefined;
}

/** Every exported operation as a tool, built once per process (the catalog is immutable). */
export function buildToolIndex(catalog: Catalog): ToolIndex {
  const byTool = new Map<string, AnyOperation>();
  const definitions: ToolDefinition[] = [];
  for (const op of catalog.operations) {
    if (!isExported(op)) continue;
    const def = toolDefinition(op);
    if (def.inputSchema.type !== "object" || (op.effect === "read" && def.outputSchema.type !== "object")) {
      throw new Error(`operation ${op.name}: MCP needs object input and output schemas`);
    }
    byTool.set(def.name, op);
    definitions.push(def);
  }
  return { definitions, operation: (name) => byTool.get(name) };
}
