// The transport a session's Server is connected to: the session's Streamable HTTP transport (SSE
// replies, the standalone GET stream, resumption from the event store) plus, for a POST that needs
// no stream (json-reply.ts), a one-request SDK transport in JSON-response mode. The SDK reads its
// JSON/SSE switch when each message is sent, not per request, so one transport cannot serve both
// while requests interleave; a Server binds to one transport, so this one routes each outgoing
// message to the transport that holds its request (the response's id, or relatedRequestId).

import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

interface JsonReply {
  transport: WebStandardStreamableHTTPServerTransport;
  /** Ends the HTTP request when no response will come (session closed, request cancelled). */
  settle(res: Response): void;
}

const closedResponse = () =>
  new Response(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "MCP session closed" }, id: null }), {
    status: 404,
    headers: { "content-type": "application/json" },
  });

export class SessionTransport implements Transport {
  onclose?: Transport["onclose"];
  onerror?: Transport["onerror"];
  onmessage?: Transport["onmessage"];
  private readonly replies = new Map<RequestId, JsonReply>();
  private closed = false;

  constructor(readonly sse: WebStandardStreamableHTTPServerTransport) {
    sse.onmessage = (message, extra) => {
      this.noteCancel(message);
      this.onmessage?.(message, extra);
    };
    sse.onerror = (error) => this.onerror?.(error);
    sse.onclose = () => {
      this.closed = true;
      for (const reply of this.replies.values()) reply.settle(closedResponse());
      this.replies.clear();
      this.onclose?.();
    };
  }

  get sessionId(): string | undefined {
    return this.sse.sessionId;
  }

  start(): Promise<void> {
    return this.sse.start();
  }

  close(): Promise<void> {
    return this.sse.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // A response carries its request's id; a notification or request for a request names it.
    const id = "method" in message ? options?.relatedRequestId : message.id;
    const reply = id === undefined ? undefined : this.replies.get(id);
    return reply ? reply.transport.send(message, options) : this.sse.send(message, options);
  }

  /**
   * Answers one request (answersWithJson said it needs no stream) with an `application/json` body.
   * The one-request transport checks Accept, Content-Type, the protocol version header and the
   * message as the session's does; the session itself was checked by the endpoint.
   */
  async replyWithJson(req: Request, body: { id: RequestId }): Promise<Response> {
    // The same id in flight twice (a client reusing ids) would cross the replies: stream the second.
    if (this.replies.has(body.id)) return this.sse.handleRequest(req, { parsedBody: body });
    if (this.closed) return closedResponse();
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    transport.onmessage = (message, extra) => this.onmessage?.(message, extra);
    transport.onerror = (error) => this.onerror?.(error);
    let settle!: (res: Response) => void;
    const settled = new Promise<Response>((ok) => {
      settle = ok;
    });
    this.replies.set(body.id, { transport, settle });
    try {
      const res = await Promise.race([transport.handleRequest(req, { parsedBody: body }), settled]);
      // The one-request transport is stateless, so it does not name the session; clients expect it.
      const sessionId = this.sse.sessionId;
      if (sessionId !== undefined) res.headers.set("mcp-session-id", sessionId);
      return res;
    } finally {
      if (this.replies.get(body.id)?.transport === transport) this.replies.delete(body.id);
    }
  }

  // The SDK sends nothing for a cancelled request (as MCP asks); end its HTTP request with 202,
  // which the client reads as "nothing to deliver".
  private noteCancel(message: JSONRPCMessage): void {
    if (!("method" in message) || message.method !== "notifications/cancelled") return;
    const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
    const reply = requestId === undefined ? undefined : this.replies.get(requestId);
    if (!reply) return;
    this.replies.delete(requestId!);
    reply.settle(new Response(null, { status: 202 }));
  }
}
