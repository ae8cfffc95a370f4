// The catalog: every operation, once. Surfaces walk it; nothing is hand-listed anywhere else.
import type { AnyOperation } from "./operation.ts";

export interface Catalog {
  operations: readonly AnyOperation[];
  get(name: string): AnyOperation | undefined;
}

/** MCP tool name for an operation: dots become underscores (spec/mcp.md §2). */
export const toolName = (opName: string) => opName.replaceAll(".", "_");

export function buildCatalog(operations: readonly AnyOperation[]): Catalog {
  const byName = new Map<string, AnyOperation>();
  const tools = new Set<string>();
  const routes = new Set<string>();
  for (const op of operations) {
    if (byName.has(op.name)) throw new Error(`duplicate operation ${op.name}`);
    const tool = toolName(op.name);
    if (tool.length > 64 || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool) || tools.has(tool)) {
      throw new Error(`operation ${op.name} maps to an invalid or colliding tool name ${tool}`);
    }
    const route = `${op.http.method} ${op.http.path.replace(/:[a-z_]+/g, ":")}`;
    if (routes.has(route)) throw new Error(`operation ${op.name} reuses route ${route}`);
    byName.set(op.name, op);
    tools.add(tool);
    routes.add(route);
  }
  return { operations, get: (name) => byName.get(name) };
}
