// docs/mcp-tools.md is the catalog's tool list as rendered now: a new or renamed operation fails here
// until the docs are regenerated.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { allOperations, buildCatalog } from "@nodepilot/core";
import { expect, it } from "vitest";
import { renderToolReference } from "./tool-reference.ts";

const DOC = fileURLToPath(new URL("../../../docs/mcp-tools.md", import.meta.url));

it("docs/mcp-tools.md lists exactly the tools the catalog exports", () => {
  const rendered = renderToolReference(buildCatalog(allOperations));
  if (process.env.UPDATE_DOCS) writeFileSync(DOC, rendered);
  expect(readFileSync(DOC, "utf8")).toBe(rendered);
});
