// The agent API (spec/agent.md §3–§8) as a Hono app under /agent/v1. Enrollment is the only route
// without a client certificate; every other route binds the node principal of the verified
// certificate. Errors are problem+json with the same closed code set as the REST API.
import { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { AppError, type Services } from "@nodepilot/core";
import { AGENT_API_BASE_PATH, EnrollRequest, RotateRequest } from "@nodepilot/core/agent-protocol";
import { Hono } from "hono";
import { type AgentEnv, agentOf, bindAgent } from "./agent-env.ts";
import { mountAssignmentsRoute } from "./assignments-route.ts";
import { type BlobStore, parseRange } from "./blob-store.ts";
import { CLAIM_PATH, type ClaimRateLimit, mountClaimRoute } from "./claim-route.ts";
import { ClientAuth } from "./client-auth.ts";
import { mountEventsRoute } from "./events-route.ts";
import { mountHeartbeatRoute } from "./heartbeat-route.ts";
import type { HeartbeatWriter } from "./heartbeat-writer.ts";
import { agentProblem, parseBody, requestIdOf } from "./http.ts";
import type { AgentPki, EnrollmentResult } from "./pki-port.ts";
import { rateLimited, WindowLimiter } from "./rate-limit.ts";
import { mountTaskRoutes } from "./task-routes.ts";
import type { TaskWaker } from "./task-waker.ts";
import { mountTrustRoute } from "./trust-route.ts";

/** What enrollment tells a new agent (agent.md §4); trust keys come with module signing (builder.md). */
export const AGENT_CONFIG = {
  heartbeat_interval_seconds: 30,
  lease_ttl_seconds: 120,
  max_concurrent_tasks: 4,
  trust: { delivery_keys: [], signing_keys: [] },
} as const;

const UNAUTHENTICATED_PATHS = new Set([`${AGENT_API_BASE_PATH}/enroll`, CLAIM_PATH]);

export interface AgentAppDeps {
  services: Services;
  pki: AgentPki;
  writer: HeartbeatWriter;
  blobs: BlobStore;
  waker: TaskWaker;
  /** The account that unclaimed boxes polling /claim are recorded in; without one, no claim route. */
  claimAccountId?: string | undefined;
  /** How long pending claim polls are told to wait (default 30 s). */
  claimPollSeconds?: number | undefined;
  /** The per-IP claim poll limit (default CLAIM_POLLS_PER_MINUTE a minute). */
  claimRateLimit?: ClaimRateLimit | undefined;
}

const issued = (r: EnrollmentResult) => ({
  certificate_pem: r.certificate_pem,
  ca_chain_pem: r.ca_chain_pem,
  certificate_id: r.certificate_id,
  instance_id: r.instance_id,
  mtls_subject: r.mtls_subject,
  not_after: new Date(r.not_after).toISOString(),
  config: AGENT_CONFIG,
});

export function createAgentApp(deps: AgentAppDeps): Hono<AgentEnv> {
  const { services, pki } = deps;
  const auth = new ClientAuth(pki);
  const enrollLimit = new WindowLimiter(10, 60_000);
  const app = new Hono<AgentEnv>();

  app.use("*", async (c, next) => {
    const requestId = requestIdOf(c);
    c.set("requestId", requestId);
    c.set("agent", undefined);
    // Set before the handler so c.json / c.body carry it: setting a header on a finished response
    // makes Hono copy the whole response, which cost more CPU per heartbeat than the parsing.
    c.header("x-request-id", requestId);
    if (!UNAUTHENTICATED_PATHS.has(c.req.path)) {
      const socket = c.env?.incoming?.socket as TLSSocket | undefined;
      c.set("agent", bindAgent(await auth.authenticate(socket, services.clock()), requestId));
    }
    await next();
    // A handler's own Response (the blob route) does not have it yet.
    if (!c.res.headers.has("x-request-id")) c.header("x-request-id", requestId);
  });
  app.onError((err, c) => agentProblem(err, c.get("requestId") ?? requestIdOf(c)));
  app.notFound((c) =>
    agentProblem(new AppError("not_found", `no agent route ${c.req.method} ${c.req.path}`), c.get("requestId")),
  );

  const api = new Hono<AgentEnv>();
  api.post("/enroll", async (c) => {
    const ip = c.env?.incoming?.socket.remoteAddress ?? "unknown";
    const wait = enrollLimit.take(ip, Date.now());
    if (wait > 0) throw rateLimited("too many enrollment attempts from this address", wait);
    const req = await parseBody(c, EnrollRequest);
    const out = await pki.enroll(
      {
        bootstrapToken: req.bootstrap_token,
        csrPem: req.csr_pem,
        identity: req.identity,
        sourceIp: ip,
        now: services.clock(),
      },
      c.get("requestId"),
    );
    return c.json(issued(out), 201);
  });

  api.post("/certificates/rotate", async (c) => {
    const agent = agentOf(c);
    const req = await parseBody(c, RotateRequest);
    const now = services.clock();
    const out = await pki.rotate(
      {
        instanceId: agent.instanceId,
        accountId: agent.accountId,
        currentCertificateId: agent.certificateId,
        csrPem: req.csr_pem,
        now,
      },
      agent.origin(now),
    );
    // At most one rotation per 10 min is enforced by rotateCertificate in the database (429 with
    // retry_after_seconds), so it holds across replicas.
    auth.clear();
    return c.json(issued(out), 200);
  });

  api.get("/modules/:digest", async (c) => {
    agentOf(c);
    const requested = parseRange(c.req.header("range"));
    let blob: Awaited<ReturnType<BlobStore["get"]>>;
    try {
      blob = await deps.blobs.get(c.req.param("digest"), requested);
    } catch (err) {
      if (err instanceof AppError && err.reason === "range_not_satisfiable") {
        return new Response(null, { status: 416, headers: { "content-range": `bytes */${err.details?.size}` } });
      }
      throw err;
    }
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "accept-ranges": "bytes",
      "cache-control": "private, max-age=31536000, immutable",
    };
    const body = Readable.toWeb(blob.stream) as ReadableStream;
    if (!blob.range) {
      headers["content-length"] = String(blob.size);
      return new Response(body, { status: 200, headers });
    }
    headers["content-length"] = String(blob.range.end - blob.range.start + 1);
    headers["content-range"] = `bytes ${blob.range.start}-${blob.range.end}/${blob.size}`;
    return new Response(body, { status: 206, headers });
  });

  if (deps.claimAccountId) {
    mountClaimRoute(api, {
      services,
      accountId: deps.claimAccountId,
      pollAfterSeconds: deps.claimPollSeconds,
      rateLimit: deps.claimRateLimit,
    });
  }
  mountHeartbeatRoute(api, services, deps.writer);
  mountTaskRoutes(api, services, deps.waker);
  mountAssignmentsRoute(api, services);
  mountTrustRoute(api, services);
  mountEventsRoute(api, services);
  app.route(AGENT_API_BASE_PATH, api);
  return app;
}
