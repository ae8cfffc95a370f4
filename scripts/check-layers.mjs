#!/usr/bin/env node
// Enforces DESIGN.md §2: each workspace may import only the packages below it, so the package
// graph has no cycle. (madge checks cycles between files inside a package.)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const ALLOWED = {
  store: [],
  core: ["store"],
  sensors: ["store", "core"],
  graphs: ["store", "core"],
  "mcp-server": ["store", "core", "graphs"],
  server: ["store", "core", "sensors", "graphs", "mcp-server", "agent"],
  bench: ["store", "core", "sensors", "graphs", "mcp-server", "server", "agent"],
  agent: ["core"],
  // The web UI talks to the API over HTTP only.
  web: [],
};

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === "node_modules") return [];
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs)$/.test(name) ? [p] : [];
  });

let failures = 0;
for (const [pkg, allowed] of Object.entries(ALLOWED)) {
  let src;
  try {
    src = files(join(pkg, "src"));
  } catch {
    continue;
  }
  for (const file of src) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)["']@nodepilot\/([a-z-]+)/g)) {
      const target = m[1];
      if (target !== pkg && !allowed.includes(target)) {
        console.error(`${file}: ${pkg} may not import @nodepilot/${target}`);
        failures++;
      }
    }
  }
}
if (failures) process.exit(1);
console.log("layers ok");
