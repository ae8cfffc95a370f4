// What the API's own description (/openapi.json, generated from the catalog) says about one
// operation: its effect class (x-nodepilot-effect), which inputs name the route's target, and the
// JSON Schema of each input. The approval card reads reversibility and the edit form's field types
// from here, so nothing about an operation is guessed in the UI.

export type Effect = "read" | "write" | "destructive";

/** The parts of an input's JSON Schema the edit form checks. */
export interface FieldSchema {
  /** JSON types allowed: string, number, integer, boolean, object, array, null. Empty: any. */
  types: string[];
  enum: unknown[] | null;
  minimum: number | null;
  maximum: number | null;
  exclusiveMinimum: number | null;
  exclusiveMaximum: number | null;
  minLength: number | null;
  maxLength: number | null;
  description: string | null;
}

export interface OperationInfo {
  operation: string;
  effect: Effect | null;
  /** Inputs that are route parameters (`/node_instances/{id}/reboot`): they name the target. */
  pathParams: string[];
  fields: Record<string, FieldSchema>;
  required: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** One input's schema, with `anyOf` branches (zod's nullable, unions) merged. */
export function fieldSchemaOf(schema: unknown): FieldSchema {
  const out: FieldSchema = {
    types: [],
    enum: null,
    minimum: null,
    maximum: null,
    exclusiveMinimum: null,
    exclusiveMaximum: null,
    minLength: null,
    maxLength: null,
    description: null,
  };
  if (!isObject(schema)) return out;
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf.filter(isObject) : [schema];
  let open = false;
  for (const b of branches) {
    const types = typeof b.type === "string" ? [b.type] : Array.isArray(b.type) ? b.type.map(String) : [];
    if ("const" in b) {
      out.enum = [...(out.enum ?? []), b.const];
      if (types.length === 0) types.push(b.const === null ? "null" : typeof b.const);
    }
    if (Array.isArray(b.enum)) out.enum = [...(out.enum ?? []), ...b.enum];
    if (types.length === 0 && !("const" in b) && !Array.isArray(b.enum)) open = true;
    for (const t of types) if (!out.types.includes(t)) out.types.push(t);
    out.minimum ??= num(b.minimum);
    out.maximum ??= num(b.maximum);
    out.exclusiveMinimum ??= num(b.exclusiveMinimum);
    out.exclusiveMaximum ??= num(b.exclusiveMaximum);
    out.minLength ??= num(b.minLength);
    out.maxLength ??= num(b.maxLength);
  }
  // A branch without a type (e.g. `{}` for unknown) admits anything.
  if (open) out.types = [];
  out.description = typeof schema.description === "string" ? schema.description : null;
  return out;
}

const EFFECTS: readonly string[] = ["read", "write", "destructive"];

/** Every operation of an OpenAPI document, by operationId. */
export function indexOperations(doc: unknown): Map<string, OperationInfo> {
  const index = new Map<string, OperationInfo>();
  const paths = isObject(doc) && isObject(doc.paths) ? doc.paths : {};
  for (const methods of Object.values(paths)) {
    if (!isObject(methods)) continue;
    for (const op of Object.values(methods)) {
      if (!isObject(op) || typeof op.operationId !== "string") continue;
      const fields: Record<string, FieldSchema> = {};
      const required: string[] = [];
      const pathParams: string[] = [];
      for (const p of Array.isArray(op.parameters) ? op.parameters : []) {
        if (!isObject(p) || typeof p.name !== "string") continue;
        fields[p.name] = fieldSchemaOf(p.schema);
        if (p.in === "path") pathParams.push(p.name);
        if (p.required === true) required.push(p.name);
      }
      const body = isObject(op.requestBody) ? op.requestBody : {};
      const content = isObject(body.content) ? body.content : {};
      const json = isObject(content["application/json"]) ? content["application/json"] : {};
      const schema = isObject(json.schema) ? json.schema : {};
      for (const [name, s] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
        fields[name] = fieldSchemaOf(s);
      }
      for (const r of Array.isArray(schema.required) ? schema.required : [])
        if (typeof r === "string") required.push(r);
      const effect = op["x-nodepilot-effect"];
      index.set(op.operationId, {
        operation: op.operationId,
        effect: typeof effect === "string" && EFFECTS.includes(effect) ? (effect as Effect) : null,
        pathParams,
        fields,
        required,
      });
    }
  }
  return index;
}

export interface Reversibility {
  value: "yes" | "no" | "unknown";
  why: string;
}

/** Reversible or not, as the operation's effect class defines it (spec/mcp.md §3); unknown without one. */
export function reversibilityOf(operation: string | null, effect: Effect | null): Reversibility {
  if (!operation) return { value: "unknown", why: "the action names no catalog operation" };
  switch (effect) {
    case "read":
      return { value: "yes", why: `${operation} only reads` };
    case "write":
      return { value: "yes", why: `${operation} is a write: a reversible change` };
    case "destructive":
      return {
        value: "no",
        why: `${operation} is destructive: it loses data or resources, or irreversibly disrupts workloads`,
      };
    default:
      return { value: "unknown", why: `the API does not give ${operation}'s effect class` };
  }
}
