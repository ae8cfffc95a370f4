// A local mTLS-capable HTTPS server on 127.0.0.1 for client tests: records each request with
// the TLS version and the client certificate's CN, and lets the test answer it.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import type { TestPki } from "./pki-fixture.ts";

export interface TlsRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  tlsVersion: string | null;
  clientCn: string | null;
}

export interface HttpsFixture {
  url: string;
  requests: TlsRequest[];
  close(): Promise<void>;
}

export async function startHttpsFixture(
  pki: TestPki,
  handler: (req: TlsRequest, res: ServerResponse) => void,
): Promise<HttpsFixture> {
  const requests: TlsRequest[] = [];
  const server = https.createServer(
    {
      key: pki.serverKeyPem,
      cert: pki.serverCertPem,
      ca: pki.caPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        const cn = peer && socket.authorized && peer.subject ? (peer.subject.CN as string | undefined) : undefined;
        const rec: TlsRequest = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          tlsVersion: socket.getProtocol(),
          clientCn: cn ?? null,
        };
        requests.push(rec);
        handler(rec, res);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "Content-Type": status >= 400 ? "application/problem+json" : "application/json",
    ...headers,
  });
  res.end(JSON.stringify(body));
}
