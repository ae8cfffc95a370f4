// For the chat tests: a small fleet made through the REST API (three physical instances, the last
// two with heartbeats long enough ago to be silent), and a client that sends a message and reads the
// UI message stream back as its chunks, one per SSE event, in arrival order.
import type { UIMessageChunk } from "ai";
import { claimBox } from "../testing/boxes.ts";
import type { TestFleet } from "../testing/harness.ts";

export interface ChatFleet {
  /** Instance ids by name: edge-1-a (fresh), edge-2-a and gpu-7-a (silent). */
  instances: Record<string, string>;
}

export async function seedChatFleet(fleet: TestFleet): Promise<ChatFleet> {
  const { runtime } = fleet;
  const data = async (method: string, path: string, body?: unknown) => {
    const res = await fleet.api(method, `/api/v1${path}`, body === undefined ? {} : { body });
    if (res.status >= 300)
      throw new Error(`seed: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const [platform] = (await data("GET", "/node_platforms")) as { id: string }[];
  const template = await data("POST", "/node_templates", { name: "chat-base", node_platform_id: platform!.id });
  const instances: Record<string, string> = {};
  for (const [name, minutesAgo] of [
    ["edge-1", 0],
    ["edge-2", 10],
    ["gpu-7", 20],
  ] as const) {
    const node = await data("POST", "/nodes", { name, node_template_id: template.id });
    instances[`${name}-a`] = await claimBox(runtime, data, {
      nodeId: node.id,
      instanceName: `${name}-a`,
      heartbeatAt: new Date(Date.now() - minutesAgo * 60_000),
    });
  }
  return { instances };
}

export interface StreamedReply {
  status: number;
  headers: Headers;
  chunks: UIMessageChunk[];
  /** The problem body when the request was refused. */
  problem?: Record<string, unknown>;
}

/** Parse an SSE body of the UI message stream protocol (`data: <json>` events, `data: [DONE]` last). */
export function parseUiStream(text: string): UIMessageChunk[] {
  const chunks: UIMessageChunk[] = [];
  for (const event of text.split("\n\n")) {
    const data = event
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => l.slice(6))
      .join("\n");
    if (data && data !== "[DONE]") chunks.push(JSON.parse(data) as UIMessageChunk);
  }
  return chunks;
}

export async function sendMessage(
  fleet: TestFleet,
  conversationId: string,
  text: string,
  token: string = fleet.tokens.admin,
): Promise<StreamedReply> {
  const res = await fleet.runtime.app.request(`/api/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ text }),
  });
  const body = await res.text();
  if (!res.headers.get("content-type")?.includes("text/event-stream")) {
    return { status: res.status, headers: res.headers, chunks: [], problem: JSON.parse(body) };
  }
  return { status: res.status, headers: res.headers, chunks: parseUiStream(body) };
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
