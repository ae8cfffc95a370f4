// A minimal agent listener for agent tests: real TLS (mTLS once enrolled), real certificate
// issuance from the test CA, and in-memory tasks following the lease protocol closely enough to
// exercise the agent's loops. Tests script failures through `faults`.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { x509Lib } from "../x509.ts";
import { type HttpsFixture, sendJson, startHttpsFixture, type TlsRequest } from "./https-fixture.ts";
import type { TestPki } from "./pki-fixture.ts";

export interface FakeTask {
  id: string;
  command: string;
  payload: Record<string, unknown>;
  status: "pending" | "leased" | "running" | "succeeded" | "failed" | "cancelled";
  lease_id: string | null;
  lease_ttl_seconds: number;
  max_attempts: number;
  attempt: number;
  reports: { kind: string; body: Record<string, unknown> }[];
}

export interface FakePlatform {
  url: string;
  tokens: Set<string>;
  tasks: Map<string, FakeTask>;
  requests: TlsRequest[];
  /** `"<METHOD> <path suffix>"` → status codes to answer with, consumed one per matching call. */
  faults: Map<string, number[]>;
  addTask(command: string, payload?: Record<string, unknown>, over?: Partial<FakeTask>): FakeTask;
  close(): Promise<void>;
}

export async function startFakePlatform(
  pki: TestPki,
  caKeySign: (csrPem: string, cn: string) => Promise<string>,
): Promise<FakePlatform> {
  const tasks = new Map<string, FakeTask>();
  const tokens = new Set<string>();
  const faults = new Map<string, number[]>();
  const problem = (res: ServerResponse, status: number, code: string, reason?: string) =>
    sendJson(res, status, { status, code, ...(reason ? { reason } : {}) });
  const handler = async (req: TlsRequest, res: ServerResponse) => {
    const route = req.url.replace(/^\/agent\/v1/, "");
    const key = `${req.method} ${route.replace(/^\/tasks\/[^/]+/, "/tasks/:id")}`;
    const fault = faults.get(key)?.shift();
    if (fault) return problem(res, fault, fault === 401 ? "unauthenticated" : "unavailable");
    const body = req.body ? (JSON.parse(req.body) as Record<string, any>) : {};
    if (route === "/enroll") {
      if (!tokens.delete(body.bootstrap_token)) return problem(res, 401, "unauthenticated", "bootstrap_token_rejected");
      const cert = await caKeySign(body.csr_pem, body.identity.instance_id);
      return sendJson(res, 201, {
        certificate_pem: cert,
        ca_chain_pem: pki.caPem,
        certificate_id: randomUUID(),
        instance_id: body.identity.instance_id,
        mtls_subject: `CN=${body.identity.instance_id}`,
        not_after: new Date(Date.now() + 86_400_000).toISOString(),
        config: {
          heartbeat_interval_seconds: 30,
          lease_ttl_seconds: 120,
          max_concurrent_tasks: 4,
          trust: { delivery_keys: [], signing_keys: [] },
        },
      });
    }
    if (!req.clientCn) return problem(res, 401, "unauthenticated");
    if (route === "/heartbeat") {
      return sendJson(res, 200, {
        server_time: new Date().toISOString(),
        next_heartbeat_seconds: 30,
        tasks_pending: [...tasks.values()].filter((t) => t.status === "pending").length,
        assignments_revision: "0",
        renewed_leases: [],
        lost_leases: [],
        actions: [],
      });
    }
    if (route === "/tasks/lease") {
      const out = [];
      for (const t of tasks.values()) {
        if (out.length >= body.max) break;
        if (t.status !== "pending" || !body.commands.includes(t.command)) continue;
        Object.assign(t, { status: "leased", lease_id: randomUUID(), attempt: t.attempt + 1 });
        out.push({
          id: t.id,
          command: t.command,
          payload: t.payload,
          lease_id: t.lease_id,
          lease_expires_at: new Date(Date.now() + t.lease_ttl_seconds * 1000).toISOString(),
          lease_ttl_seconds: t.lease_ttl_seconds,
          attempt: t.attempt,
          max_attempts: t.max_attempts,
          timeout_seconds: 3600,
          exclusive: false,
        });
      }
      return sendJson(res, 200, { tasks: out });
    }
    const m = /^\/tasks\/([^/]+)(?:\/(start|renew|complete|fail))?$/.exec(route);
    const task = m ? tasks.get(m[1]!) : undefined;
    if (!m || !task) return problem(res, 404, "not_found");
    const verb = m[2];
    if (!verb)
      return sendJson(res, 200, {
        id: task.id,
        status: task.status,
        lease_id: task.lease_id,
        lease_expires_at: null,
        attempt: task.attempt,
      });
    if (task.status === "cancelled") return problem(res, 409, "conflict", "task_cancelled");
    if (body.lease_id !== task.lease_id) return problem(res, 409, "conflict", "lease_lost");
    if (verb === "start") {
      task.status = "running";
      return sendJson(res, 200, { status: "running", lease_expires_at: new Date(Date.now() + 60_000).toISOString() });
    }
    if (verb === "renew") return sendJson(res, 200, { lease_expires_at: new Date(Date.now() + 60_000).toISOString() });
    task.reports.push({ kind: verb, body });
    if (verb === "complete") {
      task.status = "succeeded";
      return sendJson(res, 200, { status: "succeeded" });
    }
    task.status = "failed";
    return sendJson(res, 200, { status: "failed" });
  };
  const server: HttpsFixture = await startHttpsFixture(pki, (req, res) => {
    handler(req, res).catch((err) => problem(res, 500, "internal", (err as Error).message));
  });
  return {
    url: server.url,
    tokens,
    tasks,
    requests: server.requests,
    faults,
    addTask(command, payload = {}, over = {}) {
      const t: FakeTask = {
        id: randomUUID(),
        command,
        payload,
        status: "pending",
        lease_id: null,
        lease_ttl_seconds: 120,
        max_attempts: 3,
        attempt: 0,
        reports: [],
        ...over,
      };
      tasks.set(t.id, t);
      return t;
    },
    close: () => server.close(),
  };
}

/** Issues a certificate for a CSR's public key from the test CA (what the listener does). */
export function csrSigner(pki: TestPki): (csrPem: string, cn: string) => Promise<string> {
  return async (csrPem, cn) => {
    const x509 = x509Lib();
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) throw new Error("CSR self-signature invalid");
    return pki.issueClient(cn, await csr.publicKey.export());
  };
}
