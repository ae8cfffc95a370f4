// An operation's zod schema as JSON Schema 2020-12, the one conversion every surface publishes
// (OpenAPI, MCP tool definitions). `$schema` is dropped: the documents that embed these name the
// dialect once. Types JSON Schema cannot express (dates as Date) become `{}` rather than failing.
import { z } from "zod";

export type JsonSchema = Record<string, unknown>;

export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as JsonSchema;
  return rest;
}
