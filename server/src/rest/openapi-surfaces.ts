// The /api/v1 routes that are not catalog operations, described for OpenAPI next to the catalog's:
// the web session, the live event stream, and (when the concierge is mounted) conversations and page
// actions. Their bodies are the zod schemas the routes parse, converted the one way every surface
// uses (jsonSchemaOf); openapi-surfaces.test.ts fails when a mounted route is missing here.
import { type JsonSchema, jsonSchemaOf } from "@nodepilot/core";
import { z } from "zod";
import { ActionBody, CreateBody, MessageBody } from "../chat/chat-routes.ts";
import { PasswordSignIn, SESSION_PATH, TokenSignIn } from "../web-session/session-routes.ts";
import { EVENT_STREAM_PATH, StreamFilters } from "./event-stream.ts";
import { API_BASE } from "./routes.ts";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});
const json = (schema: z.ZodType) => ({ content: { "application/json": { schema: jsonSchemaOf(schema, "input") } } });
const data = (description: string, schema?: JsonSchema) => ({
  description,
  content: { "application/json": { schema: { type: "object", properties: { data: schema ?? {} } } } },
});
const pathId = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
/** Cookie-authenticated writes need the CSRF header (docs/web-sessions.md); bearer requests do not. */
const csrf = {
  name: "x-csrf-token",
  in: "header",
  required: false,
  description: "Required when the request is authenticated by the np_session cookie.",
  schema: { type: "string" },
};
const auth = [{ bearer: [] }, { session: [] }];

const SESSION = {
  type: "object",
  properties: {
    user: { type: ["object", "null"] },
    role: { type: "string" },
    scopes: { type: "array", items: { type: "string" } },
    csrf_token: { type: "string" },
    expires_at: { type: "string", format: "date-time" },
  },
};

function sessionPaths() {
  return {
    [SESSION_PATH]: {
      post: {
        operationId: "session.start",
        summary: "Sign in with email and password, or with an API token",
        description:
          "Issues a 12-hour web session in the httpOnly np_session cookie (and np_csrf). Failed sign-ins are limited per email and address (429 with retry_after_seconds).",
        tags: ["session"],
        security: [],
        requestBody: { required: true, ...json(z.union([PasswordSignIn, TokenSignIn])) },
        responses: {
          "200": data("The session", SESSION),
          "400": problem("Invalid body"),
          "401": problem("Wrong email or password, or an unknown token"),
          "429": problem("Too many failed sign-ins"),
        },
      },
      get: {
        operationId: "session.get",
        summary: "The current session",
        tags: ["session"],
        security: auth,
        responses: { "200": data("The session", SESSION), "401": problem("No valid session or token") },
      },
      delete: {
        operationId: "session.end",
        summary: "Sign out: revoke the session and clear its cookies",
        tags: ["session"],
        security: auth,
        parameters: [csrf],
        responses: { "204": { description: "Signed out" }, "409": problem("A plain API token is not a session") },
      },
    },
  };
}

function streamPaths() {
  const filters = jsonSchemaOf(StreamFilters, "input") as { properties?: Record<string, JsonSchema> };
  return {
    [EVENT_STREAM_PATH]: {
      get: {
        operationId: "event.stream",
        summary: "Live fleet events as Server-Sent Events",
        description:
          "event.list's filters; each message's id is the event's seq, so a reconnect with Last-Event-ID resumes without gaps or duplicates. Needs fleet:read.",
        tags: ["event"],
        security: auth,
        parameters: [
          ...Object.entries(filters.properties ?? {}).map(([name, schema]) => ({ name, in: "query", schema })),
          { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
        ],
        responses: {
          "200": { description: "An event stream", content: { "text/event-stream": { schema: { type: "string" } } } },
          "401": problem("No valid session or token"),
          "403": problem("The token lacks fleet:read"),
        },
      },
    },
  };
}

function chatPaths() {
  const base = `${API_BASE}/conversations`;
  const tags = ["conversation"];
  return {
    [base]: {
      get: {
        operationId: "conversation.list",
        summary: "Your conversations, newest first",
        tags,
        security: auth,
        responses: { "200": data("Conversations") },
      },
      post: {
        operationId: "conversation.create",
        summary: "Start a conversation",
        tags,
        security: auth,
        parameters: [csrf],
        requestBody: { required: false, ...json(CreateBody) },
        responses: { "201": data("The conversation"), "400": problem("Invalid body") },
      },
    },
    [`${base}/{id}`]: {
      get: {
        operationId: "conversation.get",
        summary: "A conversation with its messages",
        tags,
        security: auth,
        parameters: [pathId],
        responses: { "200": data("The conversation"), "404": problem("Not yours, or no such conversation") },
      },
      delete: {
        operationId: "conversation.delete",
        summary: "Delete a conversation",
        tags,
        security: auth,
        parameters: [pathId, csrf],
        responses: { "204": { description: "Deleted" }, "404": problem("Not yours, or no such conversation") },
      },
    },
    [`${base}/{id}/messages`]: {
      post: {
        operationId: "conversation.send",
        summary: "Send a message; the reply streams as an AI SDK UI message stream",
        description:
          "Tool calls run with the caller's scopes; writes go through the autonomy gate as an AI actor, so a gated call comes back as a pending approval in the stream. A second message while a reply is being written gets 409 turn_in_progress.",
        tags,
        security: auth,
        parameters: [pathId, csrf],
        requestBody: { required: true, ...json(MessageBody) },
        responses: {
          "200": { description: "The reply", content: { "text/event-stream": { schema: { type: "string" } } } },
          "409": problem("A reply is still being written"),
        },
      },
    },
    [`${API_BASE}/actions`]: {
      post: {
        operationId: "action.run",
        summary: "Run a catalog operation from a page button, through the same gate as the concierge",
        tags: ["action"],
        security: auth,
        parameters: [csrf],
        requestBody: { required: true, ...json(ActionBody) },
        responses: {
          "200": data("applied with its output, a queued task, or pending_approval with the request"),
          "400": problem("Unknown operation or invalid input"),
          "403": problem("The caller lacks the operation's scope"),
        },
      },
    },
  };
}

export function surfacePaths(opts: { chat: boolean }): Record<string, Record<string, unknown>> {
  return { ...sessionPaths(), ...streamPaths(), ...(opts.chat ? chatPaths() : {}) };
}

export const SESSION_SECURITY_SCHEME = {
  type: "apiKey",
  in: "cookie",
  name: "np_session",
  description: "The web session (POST /api/v1/session); unsafe requests also send x-csrf-token.",
};
