// The agent listener: HTTPS with TLS ≥ 1.3 on its own port (default 8443), serving the agent app.
// Client certificates are requested but not required at the TLS layer, because enrollment has none;
// the app's auth middleware refuses every other route without a verified one (401 problem+json).
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { getRequestListener } from "@hono/node-server";
import type { Logger, Services } from "@nodepilot/core";
import { createAgentApp } from "./agent-app.ts";
import { BlobStore } from "./blob-store.ts";
import type { ClaimRateLimit } from "./claim-route.ts";
import { HeartbeatWriter } from "./heartbeat-writer.ts";
import type { AgentPki } from "./pki-port.ts";
import { TaskWaker } from "./task-waker.ts";

export interface AgentListenerOptions {
  services: Services;
  logger: Logger;
  pki: AgentPki;
  dataDir: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The account that unclaimed boxes polling /agent/v1/claim are recorded in (none: no claims). */
  claimAccountId?: string;
  /** poll_after_seconds for pending claim polls (default 30; tests shorten it). */
  claimPollSeconds?: number;
  /** Claim polls allowed per source IP per window (default 60 a minute; tests shorten the window). */
  claimRateLimit?: ClaimRateLimit;
}

export interface AgentListener {
  port: number;
  url: string;
  /** The agent server CA (what identities carry as `ca_bundle_pem`). */
  caPem: string;
  blobs: BlobStore;
  /** Wake long-polling lease requests (runtime calls it when agent tasks change). */
  wakeTasks(): void;
  close(): Promise<void>;
}

export async function startAgentListener(opts: AgentListenerOptions): Promise<AgentListener> {
  const hostnames = [...new Set(["localhost", "127.0.0.1", opts.host, hostname()])].filter(
    (h) => h !== "0.0.0.0" && h !== "::",
  );
  const tls = await opts.pki.serverTls(hostnames, opts.services.clock());
  const writer = new HeartbeatWriter(opts.services.database, opts.logger);
  const waker = new TaskWaker();
  const blobs = new BlobStore(opts.dataDir);
  const app = createAgentApp({
    services: opts.services,
    pki: opts.pki,
    writer,
    blobs,
    waker,
    claimAccountId: opts.claimAccountId,
    claimPollSeconds: opts.claimPollSeconds,
    claimRateLimit: opts.claimRateLimit,
  });
  const server = createServer(
    {
      key: tls.keyPem,
      cert: tls.certPem,
      minVersion: "TLSv1.3",
      requestCert: true,
      rejectUnauthorized: false,
    },
    getRequestListener(app.fetch),
  );
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port, opts.host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    port,
    url: `https://${urlHost}:${port}`,
    caPem: tls.caPem,
    blobs,
    wakeTasks: () => waker.wake(),
    async close() {
      waker.wake();
      server.closeIdleConnections();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        // Long polls and keep-alive sockets must not hold shutdown hostage.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await writer.close();
    },
  };
}
