#!/usr/bin/env node
// Run as the root `dependencies` lifecycle script, which npm runs after every install, ci or
// uninstall that changes node_modules (postinstall would miss `npm install <pkg>`, which links bins
// again). The `node` devDependency (Node 22, only for the MCP conformance suite, which the
// conformance test runs by its package path) links node_modules/.bin/node, and npm scripts and npx
// put node_modules/.bin first on PATH, so `npm test`, `npm start` and vitest would silently run on
// Node 22 instead of the machine's Node. Removing that one link keeps them on the machine's Node.
import { lstatSync, readlinkSync, unlinkSync } from "node:fs";
import { join, resolve, sep } from "node:path";

const root = resolve(import.meta.dirname, "..");
const link = join(root, "node_modules", ".bin", "node");
try {
  if (lstatSync(link).isSymbolicLink()) {
    const target = resolve(join(root, "node_modules", ".bin"), readlinkSync(link));
    // Only the link into the `node` package: anything else there is not ours to remove.
    if (target.startsWith(join(root, "node_modules", "node") + sep)) unlinkSync(link);
  }
} catch (err) {
  if (err.code !== "ENOENT") throw err;
}
