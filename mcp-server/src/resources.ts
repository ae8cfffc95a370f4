// MCP resources (spec/mcp.md §5): fixed views of the fleet and one node or instance by id, each read
// through a catalog read operation as the session's principal — the same invoke pipeline and scope
// check as tools/call, so a resource shows exactly what the matching tool would. Subscriptions are
// driven by the account's committed fleet events (resource-subscriptions.ts).
import { randomUUID } from "node:crypto";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { type AnyOperation, hasScope, type Principal, toolName } from "@nodepilot/core";
import type { CallDeps } from "./call-tool.ts";
import { ResourceSubscriptions } from "./resource-subscriptions.ts";
import { sessionReads } from "./session-reads.ts";

const JSON_MIME = "application/json";
/** MCP's code for a resource that does not exist (spec: resources, error handling). */
const RESOURCE_NOT_FOUND = -32002;

interface ResourceView {
  name: string;
  title: string;
  description: string;
  /** The catalog read operation behind the view. */
  operation: string;
}

interface DirectResource extends ResourceView {
  uri: string;
  input: Record<string, unknown>;
}

interface TemplateResource extends ResourceView {
  uriTemplate: string;
  match: RegExp;
}

const DIRECT: readonly DirectResource[] = [
  {
    uri: "nodepilot://fleet/summary",
    name: "fleet_summary",
    title: "Fleet summary",
    description:
      "Counts for the whole account: nodes, instances by status and how many are silent, active tasks, pending approvals, and the newest event seq (fleet_summary.get). Updated on every fleet event.",
    operation: "fleet_summary.get",
    input: {},
  },
  {
    uri: "nodepilot://events/recent",
    name: "recent_events",
    title: "Recent fleet events",
    description: "The newest 50 fleet events, newest first (event.list). Updated on every fleet event.",
    operation: "event.list",
    input: { limit: 50 },
  },
  {
    uri: "nodepilot://approvals/pending",
    name: "pending_approvals",
    title: "Pending approval requests",
    description:
      "Approval requests waiting for a person's decision, newest first, up to 200 (approval_request.list status=pending). Updated when a request is created, refreshed, decided, executed or expires.",
    operation: "approval_request.list",
    input: { status: ["pending"], limit: 200 },
  },
  {
    uri: "nodepilot://compliance/snapshot",
    name: "compliance_snapshot",
    title: "Latest compliance snapshot",
    description:
      "The newest archived compliance snapshot: sequence, hashes, signature and counts (compliance_snapshot.list limit=1; compliance_snapshot_get returns its document). Updated when a snapshot is archived or pruned.",
    operation: "compliance_snapshot.list",
    input: { limit: 1 },
  },
];

const TEMPLATES: readonly TemplateResource[] = [
  {
    uriTemplate: "nodepilot://nodes/{id}",
    match: /^nodepilot:\/\/nodes\/([^/?#]+)$/,
    name: "node",
    title: "Node",
    description: "One node by id (node.get). Updated on every event about the node.",
    operation: "node.get",
  },
  {
    uriTemplate: "nodepilot://instances/{id}",
    match: /^nodepilot:\/\/instances\/([^/?#]+)$/,
    name: "instance",
    title: "Instance",
    description:
      "One instance by id: status, heartbeat, module digests, hold and cordon (instance.get). Updated on every event about the instance.",
    operation: "instance.get",
  },
];

interface Resolved {
  uri: string;
  operation: string;
  input: Record<string, unknown>;
}

function resolve(uri: string): Resolved {
  const direct = DIRECT.find((r) => r.uri === uri);
  if (direct) return { uri, operation: direct.operation, input: direct.input };
  for (const t of TEMPLATES) {
    const id = t.match.exec(uri)?.[1];
    if (id !== undefined) return { uri, operation: t.operation, input: { id: decodeURIComponent(id) } };
  }
  throw new McpError(ErrorCode.InvalidParams, `unknown resource: ${uri}`, {
    code: "invalid_input",
    errors: [{ path: "uri", message: `no resource or template matches ${uri}` }],
  });
}

/** The refusal, re-coded for resources: a missing object is -32002, and every message names the uri. */
function resourceError(uri: string, err: unknown): McpError {
  if (!(err instanceof McpError)) return new McpError(ErrorCode.InternalError, `${uri}: internal error`);
  const data = (err.data ?? {}) as { code?: string; message?: string };
  const message = `${uri}: ${data.message ?? err.message}`;
  const code = data.code === "not_found" ? RESOURCE_NOT_FOUND : err.code;
  return new McpError(code, message, { ...data, uri });
}

const permitted = (principal: Principal, op: AnyOperation | undefined): op is AnyOperation =>
  op !== undefined && hasScope(principal.scopes, principal.role, op.scope);

/** `session` is the session-server's SessionContext: the token every request re-authenticates. */
export function registerResources(server: Server, deps: CallDeps, session: { token: string }): void {
  const opOf = (name: string) => deps.tools.operation(toolName(name));
  const meta = (op: AnyOperation) => ({ "nodepilot/operation": op.name, "nodepilot/scope": op.scope });

  async function read(resolved: Resolved) {
    try {
      const reads = await sessionReads(deps, session, randomUUID());
      const value = await reads.read(toolName(resolved.operation), resolved.input);
      return { principal: reads.principal, value };
    } catch (err) {
      throw resourceError(resolved.uri, err);
    }
  }

  const subscriptions = new ResourceSubscriptions({
    feed: deps.events,
    // Re-authenticate before telling the client anything: a revoked token hears nothing more, and a
    // URI whose scope the token lost is dropped.
    async deliver(uris) {
      let principal: Principal;
      try {
        principal = await deps.auth.authenticate(session.token);
      } catch {
        subscriptions.close();
        return;
      }
      for (const uri of uris) {
        if (!permitted(principal, opOf(resolve(uri).operation))) {
          subscriptions.remove(uri);
          continue;
        }
        await server.sendResourceUpdated({ uri });
      }
    },
    onError(err) {
      deps.services.logger.warn("MCP resource notification failed", { error: String(err) });
    },
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const principal = await deps.auth.authenticate(session.token);
    const resources: Resource[] = [];
    for (const r of DIRECT) {
      const op = opOf(r.operation);
      if (!permitted(principal, op)) continue;
      resources.push({
        uri: r.uri,
        name: r.name,
        title: r.title,
        description: r.description,
        mimeType: JSON_MIME,
        _meta: meta(op),
      });
    }
    return { resources };
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => {
    const principal = await deps.auth.authenticate(session.token);
    const resourceTemplates: ResourceTemplate[] = [];
    for (const t of TEMPLATES) {
      const op = opOf(t.operation);
      if (!permitted(principal, op)) continue;
      resourceTemplates.push({
        uriTemplate: t.uriTemplate,
        name: t.name,
        title: t.title,
        description: t.description,
        mimeType: JSON_MIME,
        _meta: meta(op),
      });
    }
    return { resourceTemplates };
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request): Promise<ReadResourceResult> => {
    const resolved = resolve(request.params.uri);
    const { value } = await read(resolved);
    return {
      contents: [{ uri: resolved.uri, mimeType: JSON_MIME, text: JSON.stringify(value) }],
    };
  });

  // Subscribing reads the resource once: an unknown id or a missing scope is refused now, not
  // silently never notified.
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const resolved = resolve(request.params.uri);
    const { principal } = await read(resolved);
    try {
      await subscriptions.add(resolved.uri, principal.accountId);
    } catch (err) {
      deps.services.logger.error("MCP resource subscription failed", { uri: resolved.uri, error: String(err) });
      throw new McpError(ErrorCode.InternalError, `${resolved.uri}: could not follow fleet events`);
    }
    return {};
  });

  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.remove(resolve(request.params.uri).uri);
    return {};
  });

  // The session's end (DELETE, idle sweep, shutdown) stops following the account.
  const previous = server.onclose;
  server.onclose = () => {
    subscriptions.close();
    previous?.();
  };
}
