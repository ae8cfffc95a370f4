import { webcrypto } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type HttpsFixture, sendJson, startHttpsFixture } from "../testing/https-fixture.ts";
import { createTestPki, type TestPki } from "../testing/pki-fixture.ts";
import { PlatformNetworkError, PlatformProblemError } from "./errors.ts";
import { withRetry } from "./retry.ts";
import { PlatformTransport } from "./transport.ts";

let pki: TestPki;
let other: TestPki;
let server: HttpsFixture | undefined;
let client: PlatformTransport | undefined;

beforeAll(async () => {
  pki = await createTestPki();
  other = await createTestPki();
});
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

async function clientCert(cn: string) {
  const keys = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString("base64")}\n-----END PRIVATE KEY-----\n`;
  return { keyPem, certPem: await pki.issueClient(cn, keys.publicKey) };
}

const make = (url: string, extra: Partial<ConstructorParameters<typeof PlatformTransport>[0]> = {}) =>
  new PlatformTransport({ platformUrl: url, caBundlePem: pki.caPem, agentVersion: "9.9.9", ...extra });

describe("PlatformTransport", () => {
  it("speaks TLS 1.3 to /agent/v1 with the agent headers and a JSON body", async () => {
    server = await startHttpsFixture(pki, (_req, res) => sendJson(res, 200, { ok: true }));
    client = make(server.url);
    const out = await client.call("POST", "/heartbeat", { body: { seq: 1 } });
    expect(out).toMatchObject({ status: 200, data: { ok: true } });
    const req = server.requests[0]!;
    expect(req).toMatchObject({
      method: "POST",
      url: "/agent/v1/heartbeat",
      tlsVersion: "TLSv1.3",
      body: '{"seq":1}',
      clientCn: null,
    });
    expect(req.headers["x-nodepilot-agent-version"]).toBe("9.9.9");
    expect(req.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("presents the client certificate once it has one, and swaps it for new calls", async () => {
    server = await startHttpsFixture(pki, (_req, res) => sendJson(res, 200, {}));
    client = make(server.url, { credentials: await clientCert("node-a") });
    await client.call("GET", "/tasks/x");
    client.setCredentials(await clientCert("node-b"));
    await client.call("GET", "/tasks/x");
    expect(server.requests.map((r) => r.clientCn)).toEqual(["node-a", "node-b"]);
  });

  it("trusts only the identity CA bundle", async () => {
    server = await startHttpsFixture(other, (_req, res) => sendJson(res, 200, {}));
    client = make(server.url);
    await expect(client.call("GET", "/tasks/x")).rejects.toBeInstanceOf(PlatformNetworkError);
    expect(server.requests).toHaveLength(0);
  });

  it("maps problem+json to a typed error with code, reason and Retry-After", async () => {
    server = await startHttpsFixture(pki, (_req, res) =>
      sendJson(
        res,
        409,
        { status: 409, code: "conflict", reason: "lease_lost", detail: "stale lease" },
        { "Retry-After": "3" },
      ),
    );
    client = make(server.url);
    const err = (await client
      .call("POST", "/tasks/x/renew", { body: {} })
      .catch((e: unknown) => e)) as PlatformProblemError;
    expect(err).toBeInstanceOf(PlatformProblemError);
    expect([err.status, err.code, err.reason, err.retryAfterMs, err.retryable]).toEqual([
      409,
      "conflict",
      "lease_lost",
      3000,
      false,
    ]);
  });

  it("self-heals the first 401 over mTLS with one retry, and reports the second", async () => {
    let unauthorized = 1;
    server = await startHttpsFixture(pki, (_req, res) =>
      unauthorized-- > 0 ? sendJson(res, 401, { status: 401, code: "unauthenticated" }) : sendJson(res, 200, { ok: 1 }),
    );
    client = make(server.url, { credentials: await clientCert("node-a") });
    expect((await client.call("GET", "/tasks/x")).data).toEqual({ ok: 1 });
    expect(server.requests).toHaveLength(2);
    // Same logical call, same request id across the retry.
    expect(server.requests[0]!.headers["x-request-id"]).toBe(server.requests[1]!.headers["x-request-id"]);

    unauthorized = 5;
    const err = (await client.call("GET", "/tasks/x").catch((e: unknown) => e)) as PlatformProblemError;
    expect(err.status).toBe(401);
    expect(server.requests).toHaveLength(4);
  });

  it("never retries a 401 without a client certificate (enrollment: a token is single use)", async () => {
    server = await startHttpsFixture(pki, (_req, res) =>
      sendJson(res, 401, { status: 401, code: "unauthenticated", reason: "bootstrap_token_rejected" }),
    );
    client = make(server.url);
    await expect(client.call("POST", "/enroll", { body: {} })).rejects.toBeInstanceOf(PlatformProblemError);
    expect(server.requests).toHaveLength(1);
  });

  it("gives up waiting for headers after the headers timeout", async () => {
    server = await startHttpsFixture(pki, () => {
      /* never answers */
    });
    client = make(server.url, { headersTimeoutMs: 300 });
    const started = Date.now();
    await expect(client.call("GET", "/tasks/x")).rejects.toThrow(/no response headers within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("withRetry retries 503 honouring Retry-After, and stops on a 4xx", async () => {
    let n = 0;
    server = await startHttpsFixture(pki, (_req, res) =>
      n++ < 2
        ? sendJson(res, 503, { status: 503, code: "unavailable" }, { "Retry-After": "0" })
        : sendJson(res, 200, { n }),
    );
    client = make(server.url);
    const delays: number[] = [];
    const out = await withRetry(() => client!.call("GET", "/x"), { onRetry: (_e, _a, d) => delays.push(d) });
    expect(out.data).toEqual({ n: 3 });
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([0, 0]);

    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        return client!.call("GET", "/x", {}).then(() => {
          throw new PlatformProblemError(400, { status: 400, code: "invalid_input" }, undefined);
        });
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
  });
});
