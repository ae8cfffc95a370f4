// What prompts and completions read, as the session's principal: catalog read operations through the
// one invoke pipeline (so scopes apply exactly as at tools/call), plus the by-name lookups the
// catalog has no filter for, each checked against the scope of the operation it stands in for.
// Refusals become JSON-RPC errors: prompts and completions have no `isError` result to carry them.
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import {
  type AnyOperation,
  AppError,
  invoke,
  type Principal,
  requireScope,
  type Services,
  type TokenAuthenticator,
  toAppError,
} from "@nodepilot/core";
import type { Db } from "@nodepilot/store";
import type { ToolIndex } from "./tool-definitions.ts";

export interface ReadDeps {
  services: Services;
  auth: TokenAuthenticator;
  tools: ToolIndex;
}

/** The JSON-RPC code the HTTP endpoint also answers for a forbidden request. */
const FORBIDDEN = -32003;
const UNAUTHENTICATED = -32001;

/** An AppError as a JSON-RPC error with the same closed code, reason and fields as REST. */
export function mcpErrorOf(err: unknown): McpError {
  if (err instanceof McpError) return err;
  const e = toAppError(err);
  const data = e.toJSON();
  switch (e.code) {
    case "invalid_input":
    case "not_found":
      return new McpError(ErrorCode.InvalidParams, e.message, data);
    case "forbidden":
      return new McpError(FORBIDDEN, e.message, data);
    case "unauthenticated":
      return new McpError(UNAUTHENTICATED, e.message, data);
    case "internal":
      // The cause stays in the log: SQL and stack traces are not for the client.
      return new McpError(ErrorCode.InternalError, "internal error", { code: "internal" });
    default:
      return new McpError(ErrorCode.InternalError, e.message, data);
  }
}

/** A handler body whose failures leave as JSON-RPC errors; an internal one is logged with its cause. */
export async function answering<T>(deps: ReadDeps, what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const e = mcpErrorOf(err);
    if (e.code === ErrorCode.InternalError) {
      const cause = err instanceof AppError ? (err.cause ?? err.message) : err;
      deps.services.logger.error(`MCP ${what} failed`, { error: String(cause) });
    }
    throw e;
  }
}

/** An argument the caller got wrong: InvalidParams naming it. */
export const invalidArgument = (name: string, message: string) =>
  new McpError(ErrorCode.InvalidParams, `${name}: ${message}`, {
    code: "invalid_input",
    errors: [{ path: name, message }],
  });

export interface SessionReads {
  principal: Principal;
  now: Date;
  db: Db;
  /** The operation behind a read tool, after checking the principal may call it (McpError naming the scope). */
  permit(tool: string): AnyOperation;
  /** Runs a read tool through invoke as the session's principal. */
  read<T>(tool: string, input: Record<string, unknown>): Promise<T>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** Authenticates the session's token again (revocation within 5 s), as every tools/call does. */
export async function sessionReads(
  deps: ReadDeps,
  session: { token: string },
  requestId: string,
): Promise<SessionReads> {
  let principal: Principal;
  try {
    principal = await deps.auth.authenticate(session.token);
  } catch (err) {
    throw mcpErrorOf(err);
  }
  const permit = (tool: string) => {
    const op = deps.tools.operation(tool);
    if (op?.effect !== "read") throw mcpErrorOf(new AppError("internal", `${tool} is not an exported read tool`));
    try {
      requireScope(op, principal);
    } catch (err) {
      throw mcpErrorOf(err);
    }
    return op;
  };
  return {
    principal,
    now: deps.services.clock(),
    db: deps.services.database.db,
    permit,
    async read<T>(tool: string, input: Record<string, unknown>) {
      const op = permit(tool);
      try {
        return (await invoke(deps.services, op, principal, input, { source: "mcp", requestId })) as T;
      } catch (err) {
        throw mcpErrorOf(err);
      }
    },
  };
}
