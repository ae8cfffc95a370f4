// What the offline model knows about an operation's input: each field's type, enum values, whether
// it is required, and — for ids — which kind of fleet object it names. Read from the operation's
// JSON Schema (the same conversion the MCP tools publish), so it follows the zod schema exactly.
import { type AnyOperation, jsonSchemaOf } from "@nodepilot/core";
import type { EntityKind } from "./resolver.ts";

export interface FieldSpec {
  name: string;
  required: boolean;
  type: "string" | "integer" | "number" | "boolean" | "array" | "object" | "unknown";
  format?: string;
  enum?: readonly string[];
  /** For arrays: the items' enum values or format. */
  itemEnum?: readonly string[];
  itemFormat?: string;
  nullable: boolean;
  description: string;
  /** The kind of object an id field names. */
  kind?: EntityKind;
}

/** Field name → the kind of object it names; `id` names the operation's own resource. */
const FIELD_KINDS: Record<string, EntityKind> = {
  node_id: "node",
  node_template_id: "template",
  node_module_id: "module",
  dependency_id: "module",
  parent_module_id: "module",
  module_ids: "module",
  instance_id: "instance",
  node_instance_id: "instance",
  instance_pool_id: "pool",
  pool_id: "pool",
  user_id: "user",
  environment_id: "environment",
  provider_id: "provider",
  provider_connection_id: "provider_connection",
  region_id: "region",
  provider_region_id: "region",
  node_platform_id: "platform",
  category_id: "category",
  parent_id: "category",
  task_id: "task",
  template_module_id: "template_module",
  member_id: "pool_member",
  instance_type_id: "instance_type",
  image_id: "image",
};

/** The resource an operation's `id` names, where it is not the name's first segment. */
const ID_OWNER: Record<string, EntityKind> = { template_module: "template" };

export const resourceOf = (opName: string) => opName.slice(0, opName.indexOf("."));

/** The kind of object an operation's own resource is (instance.reboot → instance). */
export function operationKind(opName: string): EntityKind {
  const resource = resourceOf(opName);
  return ID_OWNER[resource] ?? (resource as EntityKind);
}

type Json = Record<string, unknown>;

function describeProperty(opName: string, name: string, raw: Json, required: boolean): FieldSpec {
  let schema = raw;
  let nullable = false;
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants) {
    nullable = variants.some((v) => v.type === "null");
    schema = variants.find((v) => v.type !== "null") ?? {};
  }
  const type = (
    ["string", "integer", "number", "boolean", "array", "object"].includes(String(schema.type))
      ? schema.type
      : "unknown"
  ) as FieldSpec["type"];
  const items = (schema.items ?? {}) as Json;
  const spec: FieldSpec = {
    name,
    required,
    type,
    nullable,
    description: String(raw.description ?? schema.description ?? ""),
  };
  if (typeof schema.format === "string") spec.format = schema.format;
  if (Array.isArray(schema.enum)) spec.enum = schema.enum.map(String);
  if (Array.isArray(items.enum)) spec.itemEnum = items.enum.map(String);
  if (typeof items.format === "string") spec.itemFormat = items.format;
  const kind = name === "id" ? operationKind(opName) : FIELD_KINDS[name];
  if (kind) spec.kind = kind;
  return spec;
}

// Keyed by the input schema, which copies of an operation (e.g. with fewer examples) share.
const cache = new WeakMap<object, readonly FieldSpec[]>();

/** The input fields of an operation, required ones first in schema order. */
export function fieldsOf(op: AnyOperation): readonly FieldSpec[] {
  const hit = cache.get(op.input);
  if (hit) return hit;
  const schema = jsonSchemaOf(op.input, "input");
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const props = Object.entries((schema.properties ?? {}) as Record<string, Json>);
  const fields = props.map(([name, raw]) => describeProperty(op.name, name, raw, required.has(name)));
  cache.set(op.input, fields);
  return fields;
}
