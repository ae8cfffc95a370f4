// One metadata-service request: 1.5 s timeout, 64 KB body cap, no redirects, no proxies.
// A connection failure or timeout means "no such service here", which callers map to absent.
import http from "node:http";
import https from "node:https";

export const PROBE_TIMEOUT_MS = 1_500;
export const METADATA_MAX_BYTES = 64 * 1024;
export const DEFAULT_METADATA_BASE_URL = "http://169.254.169.254";

export interface ProbeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The service did not answer at all (refused, unreachable, timed out). */
export class ProbeUnreachable extends Error {}

export interface ProbeOptions {
  method?: "GET" | "PUT";
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Only for fetching a CA that is pinned by its sha256, so the server cert cannot matter. */
  insecureTls?: boolean;
}

export function probe(url: string, opts: ProbeOptions = {}): Promise<ProbeResponse> {
  const target = new URL(url);
  const lib = target.protocol === "https:" ? https : http;
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const signal = opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
    const req = lib.request(
      target,
      {
        method: opts.method ?? "GET",
        headers: opts.headers,
        signal,
        agent: false,
        ...(target.protocol === "https:" && opts.insecureTls ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const declared = Number(res.headers["content-length"] ?? "0");
        if (declared > METADATA_MAX_BYTES) {
          res.destroy();
          reject(new Error(`metadata body of ${declared} bytes refused (limit ${METADATA_MAX_BYTES})`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > METADATA_MAX_BYTES) {
            res.destroy();
            reject(new Error(`metadata body over ${METADATA_MAX_BYTES} bytes refused`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", (err) => reject(new ProbeUnreachable(err.message)));
      },
    );
    req.on("error", (err) => {
      reject(
        signal.aborted ? new ProbeUnreachable(`no answer within ${timeoutMs} ms`) : new ProbeUnreachable(err.message),
      );
    });
    req.end();
  });
}
