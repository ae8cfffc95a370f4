// Test helpers for the agent listener: an HTTPS client that presents (or withholds) a client
// certificate, Ed25519 keys and CSRs made exactly as the agent makes them, a certificate from a CA
// we never issued, and an enrolled agent on a fresh instance of the test fleet.
import { KeyObject, webcrypto } from "node:crypto";
import { request } from "node:https";
import { issueBootstrapToken, systemPrincipal } from "@nodepilot/core";
import { node_instances } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { insertInstance } from "../rest/task-fixtures.ts";
import type { TestFleet } from "../testing/harness.ts";

export interface TlsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert replies field by field
  body: any;
  raw: Buffer;
}

export interface ClientCert {
  cert: string;
  key: string;
}

/** One request on a fresh connection (no pooling, so every call does its own TLS handshake). */
export function tlsRequest(
  url: string,
  caPem: string,
  method: string,
  path: string,
  opts: { body?: unknown; client?: ClientCert; headers?: Record<string, string> } = {},
): Promise<TlsReply> {
  const target = new URL(path, url);
  const payload =
    opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method,
        ca: caPem,
        agent: false,
        minVersion: "TLSv1.3",
        ...(opts.client ? { cert: opts.client.cert, key: opts.client.key } : {}),
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
          ...(opts.headers ?? {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          let body: unknown = raw.toString("utf8");
          try {
            body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
          } catch {
            // not JSON (blobs)
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw });
        });
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

async function x509() {
  await import("reflect-metadata");
  const lib = await import("@peculiar/x509");
  lib.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof lib.cryptoProvider.get>);
  return lib;
}

const pkcs8Pem = async (key: webcrypto.CryptoKey) =>
  KeyObject.from(key).export({ type: "pkcs8", format: "pem" }).toString();

/** A fresh Ed25519 key and a CSR with CN = `cn`, as the agent builds them (spec/agent.md §4). */
export async function agentKeyAndCsr(cn: string): Promise<{ csrPem: string; keyPem: string }> {
  const lib = await x509();
  const keys = (await webcrypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const csr = await lib.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys: keys as unknown as Parameters<typeof lib.Pkcs10CertificateRequestGenerator.create>[0]["keys"],
    signingAlgorithm: { name: "Ed25519" },
  });
  return { csrPem: csr.toString("pem"), keyPem: await pkcs8Pem(keys.privateKey) };
}

type GenParams = Parameters<Awaited<ReturnType<typeof x509>>["X509CertificateGenerator"]["create"]>[0] & {
  publicKey: unknown;
  signingKey: unknown;
};

/** A client certificate for `cn` signed by a throwaway CA that Nodepilot never heard of. */
export async function foreignClientCert(cn: string): Promise<ClientCert> {
  const lib = await x509();
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const ca = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const leaf = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: "0badc0de01",
    subject: `CN=${cn}`,
    issuer: "CN=Someone else CA",
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 86_400_000),
    publicKey: leaf.publicKey as unknown as GenParams["publicKey"],
    signingKey: ca.privateKey as unknown as GenParams["signingKey"],
    signingAlgorithm: alg,
  });
  return { cert: cert.toString("pem"), key: await pkcs8Pem(leaf.privateKey) };
}

/** Start the fleet's agent listener on a free port (every test fleet shares the test master key). */
export async function startTestAgentApi(fleet: TestFleet) {
  return fleet.runtime.startAgentApi(0);
}

export interface EnrolledAgent {
  nodeId: string;
  instanceId: string;
  certificateId: string;
  client: ClientCert;
}

/** A new node + instance (status `provisioning`), a bootstrap token for it, and enrollment over TLS. */
export async function enrollAgent(fleet: TestFleet): Promise<EnrolledAgent> {
  const api = fleet.runtime.agentApi;
  if (!api) throw new Error("start the agent listener first (runtime.startAgentApi(0))");
  const db = fleet.runtime.database.db;
  const { nodeId, instanceId } = await insertInstance(fleet);
  await db.update(node_instances).set({ status: "provisioning" }).where(eq(node_instances.id, instanceId));
  const now = new Date();
  const origin = {
    principal: systemPrincipal(fleet.runtime.accountId, ["fleet:admin"]),
    source: "system" as const,
    correlationId: null,
    now,
  };
  const token = await issueBootstrapToken(db, origin, {
    accountId: fleet.runtime.accountId,
    nodeId,
    instanceId,
    purpose: "enroll",
    now,
  });
  const { csrPem, keyPem } = await agentKeyAndCsr(instanceId);
  const res = await tlsRequest(api.url, api.caPem, "POST", "/agent/v1/enroll", {
    body: {
      bootstrap_token: token.plaintext,
      csr_pem: csrPem,
      identity: { instance_id: instanceId, source: "files", architecture: "amd64", agent_version: "0.1.0" },
    },
  });
  if (res.status !== 201) throw new Error(`enroll failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    nodeId,
    instanceId,
    certificateId: res.body.certificate_id,
    client: { cert: res.body.certificate_pem, key: keyPem },
  };
}

/** A minimal valid heartbeat body. */
export const heartbeatBody = (extra: Record<string, unknown> = {}) => ({
  schema_version: 1,
  seq: 1,
  boot_id: "3f0b7c9e-0000-4000-8000-000000000001",
  agent_version: "0.1.0",
  architecture: "amd64",
  uptime_seconds: 12,
  ...extra,
});
