// stdio for desktop clients (spec/mcp.md §7): `nodepilot mcp` relays JSON-RPC between stdin/stdout
// and the server's /mcp, so both transports run the one pipeline of the running server (and an
// embedded database keeps its single owner). stdout carries only JSON-RPC; the caller logs to stderr.
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { InitializeResultSchema, isJSONRPCRequest, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export interface StdioBridgeOptions {
  /** The server's MCP endpoint, e.g. http://127.0.0.1:8080/mcp. */
  url: URL;
  token: string;
  log(message: string): void;
}

/** Runs until stdin closes or the upstream session ends; resolves then. */
export async function runStdioBridge(o: StdioBridgeOptions): Promise<void> {
  const upstream = new StreamableHTTPClientTransport(o.url, {
    requestInit: { headers: { authorization: `Bearer ${o.token}` } },
  });
  const local = new StdioServerTransport();
  const initializeIds = new Set<string | number>();
  let closing = false;
  const done = new Promise<void>((resolve) => {
    const close = () => {
      if (closing) return;
      closing = true;
      void Promise.allSettled([upstream.close(), local.close()]).then(() => resolve());
    };
    local.onclose = close;
    upstream.onclose = close;
    // The SDK's stdio transport does not watch for the end of stdin: a client that went away
    // would leave the relay to drain and exit with an unsettled promise.
    process.stdin.once("end", close);
  });

  local.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === "initialize") initializeIds.add(message.id);
    upstream.send(message).catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      o.log(`nodepilot mcp: ${o.url} refused a message: ${reason}`);
      // A request must be answered, so the client is not left waiting on a relay failure.
      if (isJSONRPCRequest(message)) {
        void local.send({
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32603, message: `Nodepilot at ${o.url.origin} is unreachable or refused: ${reason}` },
        });
      }
    });
  };
  upstream.onmessage = (message: JSONRPCMessage) => {
    if ("id" in message && "result" in message && initializeIds.delete(message.id)) {
      // Later requests carry the negotiated MCP-Protocol-Version, as the SDK's own client does.
      const init = InitializeResultSchema.safeParse(message.result);
      if (init.success) upstream.setProtocolVersion(init.data.protocolVersion);
    }
    void local.send(message);
  };
  upstream.onerror = (err) => o.log(`nodepilot mcp: ${err.message}`);
  local.onerror = (err) => o.log(`nodepilot mcp: ${err.message}`);
  await upstream.start();
  await local.start();
  return done;
}
