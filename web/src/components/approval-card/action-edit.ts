// The approval card's edit model: which parts of a gated action an approver may change, the typed
// field each becomes, reading a draft back into a value with the field named on every error, and
// the `params` the approve API takes for it (core/src/autonomy/approvals.ts editedParams).
//
// The API replaces planned params of the same name and JSON type. A call from an AI client is
// `{operation, input}`: the edit sends a whole new `input` (the operation never changes, and the
// executor runs the edited input through the operation's own schema). Other gated actions have flat
// params: the edit sends only the changed ones. Either way the edited action gets a new digest and
// approvals already given to the old one are void.
import type { ApprovalRequest } from "@/lib/approval-types";
import type { FieldSchema, OperationInfo } from "./operation-info";

export interface EditSubject {
  /** `call`: params are `{operation, input}` and the input is edited; `params`: the flat params are. */
  kind: "call" | "params";
  operation: string | null;
  root: Record<string, unknown>;
}

export type FieldKind = "boolean" | "number" | "string" | "enum" | "json";

export interface EditField {
  key: string;
  kind: FieldKind;
  original: unknown;
  options: string[];
  integer: boolean;
  schema: FieldSchema | null;
  /** Why this field cannot change; null when it can. */
  locked: string | null;
}

export type Draft = Record<string, string | boolean>;

export interface FieldError {
  /** The field's key in the edited object (`hard`, `config`), or `(input)` for the whole object. */
  path: string;
  message: string;
}

export interface Read {
  value: Record<string, unknown>;
  errors: FieldError[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** JSON text with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export const sameJson = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** What of a request can be edited, or null when its params offer nothing to edit. */
export function editSubjectOf(r: ApprovalRequest): EditSubject | null {
  const p = r.action_payload.params;
  const keys = Object.keys(p);
  if (keys.length === 2 && typeof p.operation === "string" && isObject(p.input)) {
    return { kind: "call", operation: p.operation, root: p.input };
  }
  if (keys.length === 0) return null;
  return { kind: "params", operation: typeof p.operation === "string" ? p.operation : null, root: p };
}

function lockOf(
  subject: EditSubject,
  key: string,
  value: unknown,
  target: { type: string; id: string },
  info: OperationInfo | null,
): string | null {
  const names = `names the action's target (${target.type} ${target.id})`;
  if (key === "id" || (typeof value === "string" && value === target.id)) return names;
  if (subject.kind === "call" && info?.pathParams.includes(key)) return "is part of the operation's route";
  if (subject.kind === "params" && key === "operation") return "says which action runs";
  if (key === "idempotency_key") return "is transport, not part of the action";
  return null;
}

/** One field per key of the edited object, typed from its planned value and, for calls, the API's schema. */
export function editFields(
  subject: EditSubject,
  target: { type: string; id: string },
  info: OperationInfo | null,
): EditField[] {
  return Object.entries(subject.root).map(([key, original]) => {
    const schema = subject.kind === "call" ? (info?.fields[key] ?? null) : null;
    const strings = schema?.enum?.every((e): e is string => typeof e === "string") ? (schema.enum as string[]) : null;
    let kind: FieldKind = "json";
    if (typeof original === "boolean") kind = "boolean";
    else if (typeof original === "number") kind = "number";
    else if (typeof original === "string") kind = strings && strings.length > 0 ? "enum" : "string";
    const options = kind === "enum" && strings ? [...new Set([...strings, original as string])] : [];
    const integer = schema ? schema.types.includes("integer") && !schema.types.includes("number") : false;
    return { key, kind, original, options, integer, schema, locked: lockOf(subject, key, original, target, info) };
  });
}

/** The controls' starting values: the planned action as it stands. */
export function initialDraft(fields: readonly EditField[]): Draft {
  const d: Draft = {};
  for (const f of fields) {
    if (f.kind === "boolean") d[f.key] = f.original as boolean;
    else if (f.kind === "number") d[f.key] = String(f.original);
    else if (f.kind === "string" || f.kind === "enum") d[f.key] = f.original as string;
    else d[f.key] = JSON.stringify(f.original, null, 2);
  }
  return d;
}

const typeFits = (types: string[], v: unknown) =>
  types.length === 0 ||
  types.includes(jsonType(v)) ||
  (typeof v === "number" && Number.isInteger(v) && types.includes("integer"));

const typeWords = (types: string[]) => types.map((t) => (t === "object" ? "an object" : t)).join(" or ");

/** Why a value does not fit: the API's schema for the field when known, else the planned value's JSON type. */
export function checkValue(value: unknown, original: unknown, schema: FieldSchema | null): string | null {
  if (!schema) {
    return jsonType(value) === jsonType(original) ? null : `must stay a ${jsonType(original)}, like the planned value`;
  }
  if (!typeFits(schema.types, value)) return `must be ${typeWords(schema.types)}`;
  if (schema.enum && !schema.enum.some((e) => sameJson(e, value))) {
    return `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  }
  if (typeof value === "number") {
    if (schema.types.includes("integer") && !schema.types.includes("number") && !Number.isInteger(value))
      return "must be a whole number";
    if (schema.minimum !== null && value < schema.minimum) return `must be at least ${schema.minimum}`;
    if (schema.maximum !== null && value > schema.maximum) return `must be at most ${schema.maximum}`;
    if (schema.exclusiveMinimum !== null && value <= schema.exclusiveMinimum)
      return `must be more than ${schema.exclusiveMinimum}`;
    if (schema.exclusiveMaximum !== null && value >= schema.exclusiveMaximum)
      return `must be less than ${schema.exclusiveMaximum}`;
  }
  if (typeof value === "string") {
    if (schema.minLength !== null && value.length < schema.minLength)
      return schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters`;
    if (schema.maxLength !== null && value.length > schema.maxLength)
      return `must be at most ${schema.maxLength} characters`;
  }
  return null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: `is not valid JSON (${err instanceof Error ? err.message : "parse error"})` };
  }
}

/** The edited object from the field controls; every error names its field. */
export function readDraft(fields: readonly EditField[], draft: Draft): Read {
  const value: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const f of fields) {
    const raw = draft[f.key];
    if (f.locked || raw === undefined) {
      value[f.key] = f.original;
      continue;
    }
    let v: unknown;
    if (f.kind === "boolean") v = raw === true;
    else if (f.kind === "number") {
      const text = String(raw).trim();
      v = text === "" ? Number.NaN : Number(text);
      if (!Number.isFinite(v)) {
        errors.push({ path: f.key, message: "must be a number" });
        value[f.key] = f.original;
        continue;
      }
      if (f.integer && !Number.isInteger(v)) {
        errors.push({ path: f.key, message: "must be a whole number" });
        value[f.key] = f.original;
        continue;
      }
    } else if (f.kind === "json") {
      const parsed = parseJson(String(raw));
      if (!parsed.ok) {
        errors.push({ path: f.key, message: parsed.message });
        value[f.key] = f.original;
        continue;
      }
      v = parsed.value;
    } else v = String(raw);
    const problem = checkValue(v, f.original, f.schema);
    if (problem) errors.push({ path: f.key, message: problem });
    value[f.key] = problem ? f.original : v;
  }
  return { value, errors };
}

/**
 * The edited object from a JSON text of the whole of it. A call's input may drop optional fields
 * and add fields its operation has; flat params can only change values (the API refuses the rest).
 */
export function readJson(
  subject: EditSubject,
  fields: readonly EditField[],
  info: OperationInfo | null,
  text: string,
): Read {
  const parsed = parseJson(text);
  if (!parsed.ok) return { value: subject.root, errors: [{ path: "(input)", message: parsed.message }] };
  if (!isObject(parsed.value)) {
    return { value: subject.root, errors: [{ path: "(input)", message: "must be a JSON object" }] };
  }
  const edited = parsed.value;
  const errors: FieldError[] = [];
  const known = new Map(fields.map((f) => [f.key, f]));
  for (const f of fields) {
    if (f.key in edited) continue;
    if (f.locked) errors.push({ path: f.key, message: `cannot be removed: it ${f.locked}` });
    else if (subject.kind === "params") errors.push({ path: f.key, message: "cannot be removed from this action" });
    else if (!info) errors.push({ path: f.key, message: "cannot be removed: the operation's schema is unknown" });
    else if (info.required.includes(f.key)) errors.push({ path: f.key, message: "is required by the operation" });
  }
  for (const [key, v] of Object.entries(edited)) {
    const f = known.get(key);
    if (f?.locked) {
      if (!sameJson(v, f.original)) errors.push({ path: key, message: `cannot change: it ${f.locked}` });
      continue;
    }
    if (!f) {
      if (subject.kind === "params") errors.push({ path: key, message: "is not a param of this action" });
      else if (!info) errors.push({ path: key, message: "cannot be added: the operation's schema is unknown" });
      else if (!(key in info.fields)) errors.push({ path: key, message: `is not an input of ${info.operation}` });
      else if (key === "idempotency_key") errors.push({ path: key, message: "is transport, not part of the action" });
      else {
        const problem = checkValue(v, v, info.fields[key] ?? null);
        if (problem) errors.push({ path: key, message: problem });
      }
      continue;
    }
    const problem = checkValue(v, f.original, f.schema);
    if (problem) errors.push({ path: key, message: problem });
  }
  return { value: errors.length ? subject.root : edited, errors };
}

/** The approve API's `params` for an edited object. */
export function editParams(subject: EditSubject, edited: Record<string, unknown>): Record<string, unknown> {
  if (subject.kind === "call") return { input: edited };
  const changed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(edited)) {
    if (!sameJson(v, subject.root[k])) changed[k] = v;
  }
  return changed;
}

/**
 * Why the action cannot be edited now, or null. A call whose fields are all fixed can still take an
 * input its operation accepts but the plan left out; flat params can only change in value.
 */
export function editBlocker(
  subject: EditSubject,
  fields: readonly EditField[],
  lookup: "loading" | "failed" | "ok",
  info: OperationInfo | null,
): string | null {
  if (subject.kind === "call" && lookup === "loading") return "reading the operation's schema…";
  if (fields.some((f) => !f.locked)) return null;
  const addable =
    subject.kind === "call" && info
      ? Object.keys(info.fields).filter(
          (k) => !(k in subject.root) && k !== "idempotency_key" && !info.pathParams.includes(k),
        )
      : [];
  return addable.length > 0 ? null : "nothing in this action can change";
}
