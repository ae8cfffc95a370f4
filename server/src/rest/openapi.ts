// OpenAPI 3.1 for /api/v1, generated from the catalog's zod schemas (JSON Schema 2020-12).
import { type AnyOperation, type Catalog, type JsonSchema, jsonSchemaOf } from "@nodepilot/core";
import { SESSION_SECURITY_SCHEME, surfacePaths } from "./openapi-surfaces.ts";
import { API_BASE } from "./routes.ts";

const PROBLEM: JsonSchema = {
  type: "object",
  required: ["type", "title", "status", "code", "detail", "request_id"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    code: {
      type: "string",
      enum: [
        "invalid_input",
        "unauthenticated",
        "forbidden",
        "not_found",
        "conflict",
        "rate_limited",
        "internal",
        "unavailable",
      ],
    },
    reason: { type: "string" },
    detail: { type: "string" },
    errors: {
      type: "array",
      items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
    },
    current_state: { type: "string" },
    request_id: { type: "string" },
  },
};

const ERROR_RESPONSES = {
  "400": "Invalid input (the failing field is named in errors[])",
  "401": "Missing or invalid bearer token",
  "403": "The token lacks the operation's scope",
  "404": "Unknown id (or another account's)",
  "409": "Conflict: impossible transition (with current_state), in use, or a concurrent change",
};

export const openApiPath = (path: string) => path.replace(/:([a-z_]+)/g, "{$1}");
const pathParams = (path: string) => [...path.matchAll(/:([a-z_]+)/g)].map((m) => m[1] as string);

function operationObject(op: AnyOperation) {
  const input = jsonSchemaOf(op.input, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  const props = input.properties ?? {};
  const required = new Set(input.required ?? []);
  const inPath = pathParams(op.http.path);
  const parameters: JsonSchema[] = inPath.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: props[name] ?? { type: "string" },
  }));
  const bodyProps: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(props)) {
    if (inPath.includes(name)) continue;
    if (op.http.method === "GET" || op.http.method === "DELETE") {
      parameters.push({ name, in: "query", required: required.has(name), schema, description: schema.description });
    } else {
      bodyProps[name] = schema;
    }
  }
  const data = jsonSchemaOf(op.output, "output") as { properties?: Record<string, JsonSchema> };
  const success = op.list
    ? {
        type: "object",
        required: ["data", "meta"],
        properties: {
          data: data.properties?.items ?? { type: "array" },
          meta: {
            type: "object",
            properties: {
              count: { type: "integer" },
              has_more: { type: "boolean" },
              next_cursor: { type: ["string", "null"] },
            },
          },
        },
      }
    : { type: "object", required: ["data"], properties: { data } };
  const responses: Record<string, unknown> = {
    [String(op.http.status)]: { description: op.title, content: { "application/json": { schema: success } } },
  };
  for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
    responses[status] = {
      description,
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  }
  const body =
    op.http.method === "POST" || op.http.method === "PATCH"
      ? {
          requestBody: {
            required: [...required].some((r) => !inPath.includes(r)),
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  additionalProperties: false,
                  properties: bodyProps,
                  required: [...required].filter((r) => !inPath.includes(r)),
                },
              },
            },
          },
        }
      : {};
  return {
    operationId: op.name,
    summary: op.title,
    description: op.description,
    tags: [op.name.split(".")[0]],
    parameters,
    ...body,
    responses,
    security: [{ bearer: [] }],
    "x-nodepilot-scope": op.scope,
    "x-nodepilot-effect": op.effect,
    ...(op.actionCategory ? { "x-nodepilot-action-category": op.actionCategory } : {}),
    ...(op.taskCommand ? { "x-nodepilot-task-command": op.taskCommand } : {}),
    ...(op.deprecated ? { deprecated: true } : {}),
  };
}

export function buildOpenApi(catalog: Catalog, version: string, opts: { chat: boolean } = { chat: false }) {
  const paths: Record<string, Record<string, unknown>> = {
    "/healthz": {
      get: {
        operationId: "healthz",
        summary: "Liveness and database reachability",
        security: [],
        responses: { "200": { description: "Healthy" }, "503": { description: "Database unreachable" } },
      },
    },
  };
  for (const op of catalog.operations) {
    if (op.principal !== "operator") continue;
    const path = `${API_BASE}${openApiPath(op.http.path)}`;
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[op.http.method.toLowerCase()] = operationObject(op);
  }
  Object.assign(paths, surfacePaths(opts));
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Nodepilot API",
      version,
      description:
        "Every fleet operation of the Nodepilot catalog. Responses are {data, meta?}; errors are application/problem+json.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API token `npt_…`" },
        session: SESSION_SECURITY_SCHEME,
      },
      schemas: { Problem: PROBLEM },
    },
    paths,
  };
}
