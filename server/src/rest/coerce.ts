// Query strings carry text; the catalog's schemas carry types. Coerce each query value by the
// JSON Schema type of its field, so one schema serves REST, MCP and chat alike.

import type { AnyOperation } from "@nodepilot/core";
import { z } from "zod";

type Kind = "number" | "integer" | "boolean" | "array" | "string" | "other";

const cache = new WeakMap<AnyOperation, Record<string, Kind>>();

function kindOf(schema: Record<string, unknown>): Kind {
  const t = schema.type;
  if (t === "integer" || t === "number" || t === "boolean" || t === "array" || t === "string") return t;
  const union = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  if (union) {
    const kinds = union.map(kindOf).filter((k) => k !== "other");
    if (kinds.length > 0) return kinds[0] as Kind;
  }
  return "other";
}

export function fieldKinds(op: AnyOperation): Record<string, Kind> {
  let kinds = cache.get(op);
  if (!kinds) {
    const json = z.toJSONSchema(op.input, { io: "input", unrepresentable: "any" }) as {
      properties?: Record<string, Record<string, unknown>>;
    };
    kinds = Object.fromEntries(Object.entries(json.properties ?? {}).map(([k, v]) => [k, kindOf(v)]));
    cache.set(op, kinds);
  }
  return kinds;
}

export function coerceQuery(op: AnyOperation, query: Record<string, string[]>): Record<string, unknown> {
  const kinds = fieldKinds(op);
  const out: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(query)) {
    const kind = kinds[key];
    const last = values[values.length - 1] as string;
    switch (kind) {
      case "array":
        out[key] = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
        break;
      case "integer":
      case "number":
        out[key] = last.trim() !== "" && Number.isFinite(Number(last)) ? Number(last) : last;
        break;
      case "boolean":
        out[key] = last === "true" ? true : last === "false" ? false : last;
        break;
      default:
        out[key] = last;
    }
  }
  return out;
}
