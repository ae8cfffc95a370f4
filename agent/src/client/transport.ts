// The platform transport (spec/agent.md §3): node:https, TLS ≥ 1.3, only the identity CA
// bundle as roots, the client certificate on every call after enrollment, 30 s total / 10 s to
// headers, the agent headers on every request, problem+json mapped to typed errors, and the
// one-shot 401 self-heal. One instance per agent; many can share a process (the simulator).
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import https from "node:https";
import { AGENT_API_BASE_PATH } from "@nodepilot/core/agent-protocol";
import type { z } from "zod";
import { parseRetryAfter } from "./backoff.ts";
import { PlatformNetworkError, PlatformProblemError, PlatformResponseError, toProblem } from "./errors.ts";

export interface ClientCredentials {
  keyPem: string;
  certPem: string;
}

export interface TransportOptions {
  platformUrl: string;
  caBundlePem: string;
  agentVersion: string;
  credentials?: ClientCredentials;
  totalTimeoutMs?: number;
  headersTimeoutMs?: number;
  now?: () => Date;
}

export interface CallOptions<T> {
  body?: unknown;
  schema?: z.ZodType<T>;
  signal?: AbortSignal;
  requestId?: string;
  headers?: Record<string, string>;
}

export interface CallResult<T> {
  status: number;
  data: T;
  headers: IncomingMessage["headers"];
}

const MAX_JSON_BYTES = 8 * 1024 * 1024;
const IDLE_SOCKET_MS = 90_000;

export class PlatformTransport {
  private agent: https.Agent;
  private credentials: ClientCredentials | undefined;
  private readonly inflight = new Map<https.Agent, number>();
  private readonly retired = new Set<https.Agent>();

  constructor(private readonly opts: TransportOptions) {
    if (!opts.platformUrl.startsWith("https://")) throw new Error(`platform URL must be https: ${opts.platformUrl}`);
    this.credentials = opts.credentials;
    this.agent = this.newAgent();
  }

  get hasClientCertificate(): boolean {
    return this.credentials !== undefined;
  }

  /**
   * Swaps the client certificate atomically: new calls use the new one, calls in flight finish
   * on the old agent, which is closed once they are done.
   */
  setCredentials(credentials: ClientCredentials | undefined): void {
    this.credentials = credentials;
    this.retire(this.agent);
    this.agent = this.newAgent();
  }

  close(): void {
    this.agent.destroy();
    for (const a of this.retired) a.destroy();
    this.retired.clear();
  }

  url(path: string): URL {
    const base = new URL(this.opts.platformUrl);
    return new URL(`${base.pathname.replace(/\/$/, "")}${AGENT_API_BASE_PATH}${path}`, base);
  }

  async call<T = unknown>(method: string, path: string, opts: CallOptions<T> = {}): Promise<CallResult<T>> {
    const requestId = opts.requestId ?? randomUUID();
    try {
      return await this.once(method, path, opts, requestId, false);
    } catch (err) {
      if (!(err instanceof PlatformProblemError) || err.status !== 401 || !this.credentials) throw err;
      // Self-heal (§3): a 401 over mTLS is most often a pooled connection that still carries an
      // old certificate. The failing socket is already destroyed; close idle ones and retry once.
      this.retire(this.agent);
      this.agent = this.newAgent();
      // This 401 is genuine: read its problem so the caller can tell a rejected certificate.
      return await this.once(method, path, opts, requestId, true);
    }
  }

  /** Opens a streaming GET (blob download): resolves with the response once headers arrive. */
  openStream(
    path: string,
    opts: { signal?: AbortSignal; headersTimeoutMs?: number; headers?: Record<string, string> } = {},
  ): Promise<IncomingMessage> {
    const agent = this.agent;
    return new Promise((resolve, reject) => {
      const req = https.request(this.url(path), {
        method: "GET",
        agent,
        headers: this.headers(randomUUID(), opts.headers),
        signal: opts.signal,
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`no response headers within ${opts.headersTimeoutMs ?? 120_000} ms`)),
        opts.headersTimeoutMs ?? 120_000,
      );
      req.on("response", (res) => {
        clearTimeout(timer);
        if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) return resolve(res);
        readBody(res, MAX_JSON_BYTES).then(
          (body) =>
            reject(
              new PlatformProblemError(
                res.statusCode ?? 0,
                toProblem(res.statusCode ?? 0, body),
                parseRetryAfter(header(res, "retry-after"), this.now()),
              ),
            ),
          (e) => reject(new PlatformNetworkError(`reading error body: ${(e as Error).message}`, e)),
        );
      });
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(new PlatformNetworkError(`GET ${path}: ${err.message}`, err));
      });
      req.end();
    });
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private headers(requestId: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      "X-Nodepilot-Agent-Version": this.opts.agentVersion,
      "X-Request-Id": requestId,
      Accept: "application/json",
      ...extra,
    };
  }

  private newAgent(): https.Agent {
    return new https.Agent({
      keepAlive: true,
      timeout: IDLE_SOCKET_MS,
      minVersion: "TLSv1.3",
      ca: this.opts.caBundlePem,
      ...(this.credentials ? { key: this.credentials.keyPem, cert: this.credentials.certPem } : {}),
    });
  }

  private retire(agent: https.Agent): void {
    if ((this.inflight.get(agent) ?? 0) === 0) agent.destroy();
    else this.retired.add(agent);
  }

  private track(agent: https.Agent, delta: number): void {
    const n = (this.inflight.get(agent) ?? 0) + delta;
    if (n > 0) this.inflight.set(agent, n);
    else {
      this.inflight.delete(agent);
      if (this.retired.delete(agent)) agent.destroy();
    }
  }

  private once<T>(
    method: string,
    path: string,
    opts: CallOptions<T>,
    requestId: string,
    readUnauthorized: boolean,
  ): Promise<CallResult<T>> {
    const agent = this.agent;
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers = this.headers(requestId, {
      ...(payload ? { "Content-Type": "application/json", "Content-Length": String(payload.length) } : {}),
      ...opts.headers,
    });
    const totalMs = this.opts.totalTimeoutMs ?? 30_000;
    const headersMs = this.opts.headersTimeoutMs ?? 10_000;
    this.track(agent, 1);
    return new Promise<CallResult<T>>((resolve, reject) => {
      const req = https.request(this.url(path), { method, agent, headers, signal: opts.signal });
      const total = setTimeout(() => req.destroy(new Error(`no complete answer within ${totalMs} ms`)), totalMs);
      const head = setTimeout(() => req.destroy(new Error(`no response headers within ${headersMs} ms`)), headersMs);
      const done = () => {
        clearTimeout(total);
        clearTimeout(head);
        this.track(agent, -1);
      };
      req.on("response", (res) => {
        clearTimeout(head);
        const status = res.statusCode ?? 0;
        if (status === 401 && !readUnauthorized) {
          // Drop this connection undrained (§3) so a retry cannot reuse it.
          res.destroy();
          res.socket?.destroy();
          done();
          reject(new PlatformProblemError(401, { status: 401, code: "unauthenticated" }, undefined));
          return;
        }
        readBody(res, MAX_JSON_BYTES).then(
          (text) => {
            done();
            if (status < 200 || status >= 300) {
              reject(
                new PlatformProblemError(
                  status,
                  toProblem(status, text),
                  parseRetryAfter(header(res, "retry-after"), this.now()),
                ),
              );
              return;
            }
            let json: unknown = {};
            try {
              json = text === "" ? {} : JSON.parse(text);
            } catch {
              reject(new PlatformResponseError(`${method} ${path}: ${status} body is not JSON`));
              return;
            }
            if (!opts.schema) return resolve({ status, data: json as T, headers: res.headers });
            const parsed = opts.schema.safeParse(json);
            if (!parsed.success) {
              const issue = parsed.error.issues[0];
              reject(
                new PlatformResponseError(
                  `${method} ${path}: unexpected response shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
                ),
              );
              return;
            }
            resolve({ status, data: parsed.data, headers: res.headers });
          },
          (err) => {
            done();
            reject(new PlatformNetworkError(`${method} ${path}: ${(err as Error).message}`, err));
          },
        );
      });
      req.on("error", (err) => {
        done();
        reject(new PlatformNetworkError(`${method} ${path}: ${err.message}`, err));
      });
      req.end(payload);
    });
  }
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        res.destroy(new Error(`response over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("response aborted")));
  });
}
