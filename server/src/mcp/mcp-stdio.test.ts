// `nodepilot mcp` as a desktop client starts it: a child process speaking JSON-RPC on stdio, relaying
// to the server's /mcp with the token from the environment; without a token it exits non-zero
// naming both places a token can come from.
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

const BIN = fileURLToPath(new URL("../../bin/nodepilot.mjs", import.meta.url));
let fleet: TestFleet;
let server: ReturnType<typeof serve>;
let url: string;

beforeAll(async () => {
  fleet = await createTestFleet();
  server = serve({ fetch: fleet.runtime.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((ok) => server.once("listening", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((ok) => server?.close(() => ok()));
  await fleet?.close();
});

describe("nodepilot mcp (stdio)", () => {
  it("serves the same tools and pipeline as /mcp for the same token", async () => {
    const client = new Client({ name: "desktop", version: "1.0.0" });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp"],
      env: { PATH: process.env.PATH ?? "", NODEPILOT_URL: url, NODEPILOT_TOKEN: fleet.tokens.reader },
      stderr: "pipe",
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(20);
      expect(tools.every((t) => t.annotations?.readOnlyHint)).toBe(true);
      const account = await client.callTool({ name: "account_get", arguments: {} });
      expect(account.isError).toBeFalsy();
      expect((account.structuredContent as { id: string }).id).toBe(fleet.runtime.accountId);
      const refused = await client.callTool({ name: "node_create", arguments: { name: "x", node_template_id: "y" } });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toContain("missing_scope");
    } finally {
      await client.close();
    }
  }, 60_000);

  it("exits non-zero without a token, naming NODEPILOT_TOKEN and the token file", async () => {
    const child = spawn(process.execPath, [BIN, "mcp"], {
      env: { PATH: process.env.PATH ?? "", NODEPILOT_URL: url, NODEPILOT_DATA_DIR: "/nonexistent-nodepilot" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise<number | null>((ok) => child.on("close", ok));
    expect(code).not.toBe(0);
    expect(stderr).toContain("NODEPILOT_TOKEN");
    expect(stderr).toContain("/nonexistent-nodepilot/admin-token");
    expect(stdout).toBe("");
  }, 30_000);
});
