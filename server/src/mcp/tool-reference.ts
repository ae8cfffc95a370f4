// The MCP tool list of docs/mcp-tools.md, rendered from the catalog so the docs cannot drift from
// tools/list (a test compares the checked-in file with this).
import type { Catalog } from "@nodepilot/core";
import { buildToolIndex } from "@nodepilot/mcp-server";

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

export function renderToolReference(catalog: Catalog): string {
  const { definitions } = buildToolIndex(catalog);
  const rows = [...definitions]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => {
      const a = d.annotations;
      const hints = [
        a.readOnlyHint ? "read-only" : "",
        a.destructiveHint ? "destructive" : "",
        a.openWorldHint ? "open-world" : "",
      ]
        .filter(Boolean)
        .join(", ");
      return `| \`${d.name}\` | \`${d._meta["nodepilot/operation"]}\` | \`${d._meta["nodepilot/scope"]}\` | ${hints || "write"} | ${cell(d.title)} |`;
    });
  return [
    "# MCP tools",
    "",
    "Generated from the operations catalog (`server/src/mcp/tool-reference.ts`); regenerate with",
    "`UPDATE_DOCS=1 npx vitest run server/src/mcp/tool-reference.test.ts`. See [mcp.md](mcp.md).",
    "",
    `${definitions.length} tools.`,
    "",
    "| tool | operation | scope | hints | title |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
