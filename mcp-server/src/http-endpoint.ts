// Streamable HTTP at /mcp (spec/mcp.md §7) over Web-standard Request/Response, so any router can
// mount it: DNS-rebinding protection (Host and Origin allow-lists), a bearer token on every request,
// sessions issued at initialize and bound to the token that opened them (another token → 403,
// unknown or idle for 30 min → 404), a 1 MB body cap, and resumable SSE from a per-session store.
// A request that cannot need a stream (json-reply.ts) is answered with one JSON body instead.
import { randomUUID } from "node:crypto";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { AppError, bearerToken, sha256Hex, type TokenAuthenticator, toAppError } from "@nodepilot/core";
import { SessionEventStore } from "./event-store.ts";
import { answersWithJson } from "./json-reply.ts";
import { SessionTransport } from "./session-transport.ts";
import type { ToolIndex } from "./tool-definitions.ts";

const MAX_BODY_BYTES = 1024 * 1024;

export interface McpHttpOptions {
  auth: TokenAuthenticator;
  /** Builds the session's MCP server for the token that opened it. */
  serverFor(token: string): Server;
  /** `Host` values accepted (`host:port` or bare host); anything else is refused (DNS rebinding). */
  allowedHosts: readonly string[];
  /** Browser origins accepted; a request without Origin (not a browser) passes. */
  allowedOrigins: readonly string[];
  /** The catalog's tools, to tell reads (answered as JSON) from writes; without it every tools/call streams. */
  tools?: Pick<ToolIndex, "operation">;
  idleMs?: number;
  now?: () => number;
}

interface Session {
  transport: SessionTransport;
  server: Server;
  tokenHash: string;
  lastSeen: number;
}

const jsonRpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

export class McpHttpEndpoint {
  private readonly sessions = new Map<string, Session>();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(private readonly o: McpHttpOptions) {
    this.idleMs = o.idleMs ?? 30 * 60_000;
    this.now = o.now ?? Date.now;
  }

  /** Starts the idle-session sweep (not at construction: nothing runs until the process asks). */
  start(): void {
    this.sweeper ??= setInterval(() => void this.sweep(), Math.min(60_000, this.idleMs));
    this.sweeper.unref();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => {})));
  }

  private async sweep(): Promise<void> {
    const cutoff = this.now() - this.idleMs;
    for (const [id, s] of this.sessions) {
      if (s.lastSeen < cutoff) {
        this.sessions.delete(id);
        await s.server.close().catch(() => {});
      }
    }
  }

  private hostAllowed(req: Request): boolean {
    // In-process requests (tests, app.request) carry the host in the URL only; the node adapter builds the URL from Host.
    const host = req.headers.get("host") ?? new URL(req.url).host;
    if (!host) return false;
    const bare = host.replace(/:\d+$/, "");
    return this.o.allowedHosts.some((h) => h === host || h === bare);
  }

  async handle(req: Request): Promise<Response> {
    if (!this.hostAllowed(req)) return jsonRpcError(403, -32000, "Host header is not allowed");
    const origin = req.headers.get("origin");
    if (origin && !this.o.allowedOrigins.includes(origin)) return jsonRpcError(403, -32000, "Origin is not allowed");
    const token = bearerToken(req.headers.get("authorization"));
    try {
      await this.o.auth.authenticate(token);
    } catch (err) {
      const e = toAppError(err);
      return e.code === "unauthenticated"
        ? jsonRpcError(401, -32001, e.message, { "www-authenticate": 'Bearer realm="nodepilot"' })
        : jsonRpcError(403, -32003, e.message);
    }
    const tokenHash = sha256Hex(token!);
    const sessionId = req.headers.get("mcp-session-id");
    let body: unknown;
    if (req.method === "POST") {
      const text = await req.text();
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) return jsonRpcError(413, -32600, "request body is over 1 MB");
      try {
        body = JSON.parse(text);
      } catch {
        return jsonRpcError(400, -32700, "request body is not valid JSON");
      }
    }
    if (sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session) return jsonRpcError(404, -32001, "unknown or expired MCP session");
      if (session.tokenHash !== tokenHash) return jsonRpcError(403, -32003, "this session belongs to another token");
      session.lastSeen = this.now();
      if (req.method === "POST" && answersWithJson(req.headers.get("accept"), body, this.o.tools)) {
        return session.transport.replyWithJson(req, body);
      }
      return session.transport.sse.handleRequest(req, body === undefined ? {} : { parsedBody: body });
    }
    const initializing = Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body);
    if (req.method !== "POST" || !initializing) {
      return jsonRpcError(400, -32000, "no Mcp-Session-Id: start a session with initialize");
    }
    return this.open(req, body, token!, tokenHash);
  }

  private async open(req: Request, body: unknown, token: string, tokenHash: string): Promise<Response> {
    const server = this.o.serverFor(token);
    const sse: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(),
      retryInterval: 1000,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, tokenHash, lastSeen: this.now() });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    // Initialize streams: only the session's own transport can open the session, and its JSON/SSE
    // switch is fixed at construction.
    const transport = new SessionTransport(sse);
    await server.connect(transport);
    try {
      return await sse.handleRequest(req, { parsedBody: body });
    } catch (err) {
      throw new AppError("internal", "MCP initialize failed", { cause: err });
    }
  }
}
