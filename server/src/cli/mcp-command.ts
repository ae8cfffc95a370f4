// `nodepilot mcp`: the stdio MCP server for desktop clients, relaying to a running server's /mcp
// with the token from NODEPILOT_TOKEN or the data directory's admin-token file (mode 0600).
import type { Command } from "commander";
import { resolveBaseUrl, resolveToken } from "./api-client.ts";

export function registerMcpCommand(program: Command): void {
  program
    .command("mcp")
    .description("Serve MCP on stdin/stdout for desktop clients, relaying to the Nodepilot server at --url")
    .option("--url <url>", "the Nodepilot server (default NODEPILOT_URL, else http://127.0.0.1:$PORT)")
    .action(async (o: { url?: string }) => {
      const base = resolveBaseUrl(o.url, process.env);
      const token = resolveToken(process.env);
      const log = (message: string) => process.stderr.write(`${message}\n`);
      log(`nodepilot mcp: relaying stdio to ${base}/mcp`);
      // Loaded here, not at import: every other command (start, above all) would pay for the SDK.
      const { runStdioBridge } = await import("@nodepilot/mcp-server");
      await runStdioBridge({ url: new URL(`${base}/mcp`), token, log });
    });
}
