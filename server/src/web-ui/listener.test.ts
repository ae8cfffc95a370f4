import { describe, expect, it } from "vitest";
import { isApiPath } from "./listener.ts";

describe("the main listener's split between the API and the web UI", () => {
  it.each([
    ["/api/v1/nodes", true],
    ["/api", true],
    ["/mcp", true],
    ["/mcp?x=1", true],
    ["/healthz", true],
    ["/openapi.json", true],
    ["/docs", true],
    ["/", false],
    ["/approvals", false],
    ["/apiary", false],
    ["/mcpx", false],
    ["/docsearch", false],
    ["/_next/static/chunk.js", false],
  ])("%s → API %s", (url, api) => {
    expect(isApiPath(url)).toBe(api);
  });
});
