// Command-line options generated from an operation's input schema (its JSON Schema, the same one
// REST and MCP publish): path params become positionals, every other field an option, and argv
// strings are parsed back into the operation's input. The server still parses the input strictly;
// this only turns text into the JSON types the schema asks for.
import type { AnyOperation } from "@nodepilot/core";
import { InvalidArgumentError, Option } from "commander";
import { z } from "zod";

type JsonSchema = Record<string, unknown>;

export type FieldKind = "string" | "integer" | "number" | "boolean" | "object" | "array" | "json";

export interface FieldSpec {
  /** The input key (snake_case). */
  field: string;
  /** The long flag without dashes (kebab-case). */
  flag: string;
  kind: FieldKind;
  /** Element kind of an array field. */
  itemKind?: FieldKind;
  nullable: boolean;
  required: boolean;
  description: string;
  choices?: string[];
  defaultValue?: unknown;
  format?: string;
}

export interface InputPlan {
  /** Path params, in path order: positional arguments. */
  positionals: FieldSpec[];
  options: FieldSpec[];
}

export const kebab = (name: string) => name.replaceAll("_", "-");
/** Commander's attribute name for a long flag: `--node-template-id` → `nodeTemplateId`. */
const attribute = (flag: string) => flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

export const pathParams = (path: string) => [...path.matchAll(/:([a-z_]+)/g)].map((m) => m[1] as string);

interface Shape {
  kind: FieldKind;
  itemKind?: FieldKind;
  nullable: boolean;
  choices?: string[];
  format?: string;
}

function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) target = (target as Record<string, unknown> | undefined)?.[part];
  return (target as JsonSchema | undefined) ?? {};
}

function shapeOf(raw: JsonSchema, root: JsonSchema): Shape {
  const schema = resolveRef(raw, root);
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) {
    const alternatives = union.map((u) => resolveRef(u, root)).filter((u) => u.type !== "null");
    const nullable = alternatives.length < union.length;
    if (alternatives.length === 1) {
      const inner = shapeOf(alternatives[0] as JsonSchema, root);
      return { ...inner, nullable: nullable || inner.nullable };
    }
    return { kind: "json", nullable };
  }
  const types = (Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]) as string[];
  const nullable = types.includes("null");
  const concrete = types.filter((t) => t !== "null");
  if (concrete.length !== 1) return { kind: "json", nullable };
  const type = concrete[0];
  const format = typeof schema.format === "string" ? schema.format : undefined;
  switch (type) {
    case "string": {
      const choices = Array.isArray(schema.enum)
        ? schema.enum.filter((v): v is string => typeof v === "string")
        : typeof schema.const === "string"
          ? [schema.const]
          : undefined;
      return { kind: "string", nullable, ...(choices ? { choices } : {}), ...(format ? { format } : {}) };
    }
    case "integer":
    case "number":
    case "boolean":
      return { kind: type, nullable };
    case "array": {
      const items = (schema.items ?? {}) as JsonSchema;
      const item = shapeOf(items, root);
      return { kind: "array", itemKind: item.kind, nullable, ...(item.choices ? { choices: item.choices } : {}) };
    }
    case "object":
      return { kind: "object", nullable };
    default:
      return { kind: "json", nullable };
  }
}

const planCache = new WeakMap<AnyOperation, InputPlan>();

/** The positionals and options of an operation's command, from its input JSON Schema. */
export function inputPlan(op: AnyOperation): InputPlan {
  const cached = planCache.get(op);
  if (cached) return cached;
  const root = z.toJSONSchema(op.input, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const properties = (root.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((root.required ?? []) as string[]);
  const inPath = pathParams(op.http.path);
  const spec = (field: string): FieldSpec => {
    const schema = properties[field] ?? { type: "string" };
    const shape = shapeOf(schema, root);
    return {
      field,
      flag: kebab(field),
      ...shape,
      // A path param is always needed to build the URL, whatever the schema says.
      required: required.has(field) || inPath.includes(field),
      description: typeof schema.description === "string" ? schema.description : "",
      ...("default" in schema ? { defaultValue: schema.default } : {}),
    };
  };
  const plan: InputPlan = {
    positionals: inPath.map(spec),
    options: Object.keys(properties)
      .filter((f) => !inPath.includes(f))
      .map(spec),
  };
  planCache.set(op, plan);
  return plan;
}

function placeholder(spec: FieldSpec): string {
  if (spec.kind === "array") return "list";
  if (spec.kind === "object") return "json";
  if (spec.kind === "integer" || spec.kind === "number") return "n";
  if (spec.kind === "json") return "value";
  if (spec.format === "uuid") return "uuid";
  if (spec.format === "date-time") return "time";
  return spec.choices ? "choice" : "text";
}

// Commander turns an option parser's `null` into "", so a cleared field travels as this marker.
const NULL_VALUE = Symbol("null");
const unmark = (v: unknown) => (v === NULL_VALUE ? null : v);

function parseScalar(kind: FieldKind, value: string, spec: FieldSpec): unknown {
  if (spec.nullable && value === "null") return NULL_VALUE;
  switch (kind) {
    case "integer":
    case "number": {
      const n = value.trim() === "" ? Number.NaN : Number(value);
      if (!Number.isFinite(n)) throw new InvalidArgumentError("expected a number.");
      if (kind === "integer" && !Number.isInteger(n)) throw new InvalidArgumentError("expected a whole number.");
      return n;
    }
    case "boolean":
      if (value === "true") return true;
      if (value === "false") return false;
      throw new InvalidArgumentError("expected true or false.");
    case "object": {
      const parsed = parseJson(value);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new InvalidArgumentError(`expected a JSON object, e.g. '{"key":"value"}'.`);
      }
      return parsed;
    }
    case "json":
      // Unions and untyped fields: JSON when it parses, the text itself otherwise.
      try {
        const parsed: unknown = JSON.parse(value);
        return parsed === null ? NULL_VALUE : parsed;
      } catch {
        return value;
      }
    default:
      if (spec.choices && !spec.choices.includes(value)) {
        throw new InvalidArgumentError(`expected one of ${spec.choices.join(", ")}.`);
      }
      return value;
  }
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError("expected JSON.");
  }
}

/** Parse one occurrence of an array option: a JSON array, or comma-separated scalars. */
function parseArrayValue(spec: FieldSpec, value: string): unknown[] {
  const itemKind = spec.itemKind ?? "string";
  const itemSpec: FieldSpec = { ...spec, kind: itemKind, nullable: false };
  if (value.trim().startsWith("[")) {
    const parsed = parseJson(value);
    if (!Array.isArray(parsed)) throw new InvalidArgumentError("expected a JSON array.");
    return parsed;
  }
  // Objects cannot be comma-split; each occurrence is one JSON element.
  if (itemKind === "object" || itemKind === "json" || itemKind === "array")
    return [parseScalar("object", value, itemSpec)];
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => parseScalar(itemKind, v, itemSpec));
}

/** Parse a field's value from one argv string (positionals and non-boolean options). */
export function parseFieldValue(spec: FieldSpec, value: string, previous?: unknown): unknown {
  if (spec.kind === "array") {
    if (spec.nullable && value === "null") return NULL_VALUE;
    return [...(Array.isArray(previous) ? previous : []), ...parseArrayValue(spec, value)];
  }
  return parseScalar(spec.kind, value, spec);
}

const isEmpty = (v: unknown) =>
  v === "" ||
  (Array.isArray(v) && v.length === 0) ||
  (v !== null && typeof v === "object" && Object.keys(v).length === 0);

function helpText(spec: FieldSpec): string {
  const notes: string[] = [];
  if (spec.required) notes.push("required");
  if (spec.kind === "array") notes.push("repeatable or comma-separated");
  if (spec.kind === "object") notes.push("JSON object");
  if (spec.choices) notes.push(`one of: ${spec.choices.join(", ")}`);
  if (spec.nullable) notes.push("'null' clears it");
  const base = spec.description.trim();
  if (spec.defaultValue !== undefined && !/\bdefault/i.test(base) && !isEmpty(spec.defaultValue)) {
    notes.push(`default: ${JSON.stringify(spec.defaultValue)}`);
  }
  return [base, notes.length ? `(${notes.join("; ")})` : ""].filter(Boolean).join(" ");
}

/**
 * Commander options for the fields of a plan. Booleans get `--flag`/`--no-flag`. Every option with
 * an underscore also answers to its snake_case spelling (hidden), the name REST and MCP use.
 */
export function buildOptions(plan: InputPlan): Option[] {
  const options: Option[] = [];
  for (const spec of plan.options) {
    const spellings = spec.flag === spec.field ? [spec.flag] : [spec.flag, spec.field];
    spellings.forEach((flag, i) => {
      const hidden = i > 0;
      const made: Option[] = [];
      if (spec.kind === "boolean") {
        made.push(new Option(`--${flag}`, helpText(spec)));
        made.push(new Option(`--no-${flag}`, `Set ${spec.field} to false.`));
      } else {
        made.push(
          new Option(`--${flag} <${placeholder(spec)}>`, helpText(spec)).argParser((value: string, previous: unknown) =>
            parseFieldValue(spec, value, previous),
          ),
        );
      }
      for (const o of made) options.push(hidden ? o.hideHelp() : o);
    });
  }
  return options;
}

/** Turn commander's parsed options and positionals back into the operation's input. */
export function collectInput(
  plan: InputPlan,
  opts: Record<string, unknown>,
  positionals: readonly string[],
): { input: Record<string, unknown>; missing: string[] } {
  const input: Record<string, unknown> = {};
  plan.positionals.forEach((spec, i) => {
    const raw = positionals[i];
    if (raw !== undefined) input[spec.field] = unmark(parseFieldValue(spec, raw));
  });
  const missing: string[] = [];
  for (const spec of plan.options) {
    const kebabValue = opts[attribute(spec.flag)];
    const value = kebabValue !== undefined ? kebabValue : opts[spec.field];
    if (value !== undefined) input[spec.field] = unmark(value);
    else if (spec.required) missing.push(`--${spec.flag}`);
  }
  return { input, missing };
}

/** Attribute names that option fields occupy, so control options can avoid them. */
export const fieldAttributes = (op: AnyOperation) =>
  new Set(Object.keys(op.input.shape).flatMap((f) => [f, attribute(kebab(f))]));

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;
export const shellQuote = (s: string) => (SAFE_WORD.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** An example input rendered as a command line, for help text. */
export function exampleArgs(plan: InputPlan, input: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const spec of plan.positionals) {
    const v = input[spec.field];
    if (v !== undefined) args.push(shellQuote(String(v)));
  }
  for (const spec of plan.options) {
    const v = input[spec.field];
    if (v === undefined) continue;
    if (spec.kind === "boolean" && typeof v === "boolean") {
      args.push(v ? `--${spec.flag}` : `--no-${spec.flag}`);
    } else if (Array.isArray(v) && v.every((x) => typeof x !== "object" && !String(x).includes(","))) {
      args.push(`--${spec.flag}`, shellQuote(v.join(",")));
    } else if (typeof v === "object" || spec.kind === "json") {
      args.push(`--${spec.flag}`, shellQuote(JSON.stringify(v)));
    } else {
      args.push(`--${spec.flag}`, shellQuote(String(v)));
    }
  }
  return args;
}
