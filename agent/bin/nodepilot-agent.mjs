#!/usr/bin/env node
// The `nodepilot-agent` executable from source: registers the TypeScript loader, then runs the
// CLI. Nodes run the single-file bundle (dist/nodepilot-agent.mjs) instead.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
