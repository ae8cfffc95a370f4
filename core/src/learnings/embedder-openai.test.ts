// The OpenAI-compatible embedder against a local HTTP server replaying a response in the shape the
// OpenAI embeddings API returns (fixtures/openai-embeddings-response.json, data out of index order as
// the API allows); what it sends, what it accepts, and how it fails.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { openAiCompatibleEmbedder } from "./embedder-openai.ts";

const recorded = readFileSync(new URL("./fixtures/openai-embeddings-response.json", import.meta.url), "utf8");

interface Seen {
  method: string | undefined;
  url: string | undefined;
  auth: string | undefined;
  body: unknown;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
let reply: (res: ServerResponse) => void = (res) =>
  res.writeHead(200, { "content-type": "application/json" }).end(recorded);

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
      reply(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const embedder = (timeoutMs?: number) =>
  openAiCompatibleEmbedder({ baseUrl, model: "text-embedding-3-small", apiKey: "sk-test", dimensions: 8, timeoutMs });

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("openAiCompatibleEmbedder", () => {
  it("posts model, input and dimensions and returns unit vectors in input order", async () => {
    const vectors = await embedder().embed(["kind=a", "kind=b"]);
    expect(seen.at(-1)).toEqual({
      method: "POST",
      url: "/v1/embeddings",
      auth: "Bearer sk-test",
      body: { model: "text-embedding-3-small", input: ["kind=a", "kind=b"], dimensions: 8 },
    });
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toEqual([0.6, 0.8, 0, 0, 0, 0, 0, 0].map((x) => expect.closeTo(x, 12)));
    for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 12);
    expect(vectors[1]![0]).toBeGreaterThan(0);
    expect(vectors[1]![1]).toBeLessThan(0);
  });

  it("rejects a vector of the wrong dimension, naming the field", async () => {
    const wrong = openAiCompatibleEmbedder({ baseUrl, model: "m", dimensions: 16 });
    const err = await failure(wrong.embed(["a", "b"]));
    expect(err.code).toBe("unavailable");
    expect(err.reason).toBe("embedding_bad_response");
    expect(err.message).toContain("data[1].embedding has 8 dimensions, configured 16");
  });

  it("rejects a body that is not an embeddings response", async () => {
    reply = (res) => res.writeHead(200, { "content-type": "application/json" }).end('{"data":[{"index":0}]}');
    const err = await failure(embedder().embed(["a"]));
    expect(err.reason).toBe("embedding_bad_response");
    expect(err.message).toContain("data.0.embedding");
  });

  it("maps an HTTP error to unavailable with the status", async () => {
    reply = (res) =>
      res.writeHead(429, { "content-type": "application/json" }).end('{"error":{"message":"slow down"}}');
    const err = await failure(embedder().embed(["a"]));
    expect(err.reason).toBe("embedding_http_error");
    expect(err.details).toEqual({ status: 429 });
    expect(err.message).toContain("slow down");
  });

  it("times out", async () => {
    reply = (res) => setTimeout(() => res.writeHead(200).end(recorded), 2000);
    const err = await failure(embedder(100).embed(["a"]));
    expect(err.reason).toBe("embedding_timeout");
  });

  it("answers an empty batch without a request", async () => {
    const before = seen.length;
    expect(await embedder().embed([])).toEqual([]);
    expect(seen.length).toBe(before);
  });
});
