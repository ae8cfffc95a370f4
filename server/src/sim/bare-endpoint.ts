// The benchmark's baseline: a bare Hono app over the same HTTPS/TLS 1.3 setup as the agent listener
// (same server certificate, client certificates requested), answering every heartbeat with a fixed
// valid reply and touching no database. What the agent listener costs is measured against this.
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { ensureAgentServerTls, type Services } from "@nodepilot/core";
import { AGENT_API_BASE_PATH, type HeartbeatResponse } from "@nodepilot/core/agent-protocol";
import { Hono } from "hono";

export interface BareEndpoint {
  url: string;
  close(): Promise<void>;
}

export async function startBareHeartbeatEndpoint(services: Services): Promise<BareEndpoint> {
  const tls = await ensureAgentServerTls(services.database.db, services.secrets, {
    hostnames: ["localhost", "127.0.0.1"],
    now: services.clock(),
  });
  const app = new Hono();
  app.post(`${AGENT_API_BASE_PATH}/heartbeat`, async (c) => {
    await c.req.text();
    const reply: HeartbeatResponse = {
      server_time: new Date().toISOString(),
      next_heartbeat_seconds: 30,
      tasks_pending: 0,
      assignments_revision: "0",
      renewed_leases: [],
      lost_leases: [],
      actions: [],
    };
    return c.json(reply);
  });
  const server = createServer(
    { key: tls.keyPem, cert: tls.certPem, minVersion: "TLSv1.3", requestCert: true, rejectUnauthorized: false },
    getRequestListener(app.fetch),
  );
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
