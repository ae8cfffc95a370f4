// The CLI's HTTP client for /api/v1: where the server is, which token to send, and how an
// operation's input becomes a request (path params filled, GET/DELETE as query, else JSON body).
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { AnyOperation } from "@nodepilot/core";
import { API_BASE } from "../rest/routes.ts";
import { NODEPILOT_VERSION } from "../version.ts";
import { CliError } from "./cli-io.ts";
import { pathParams } from "./input-options.ts";

export interface Problem {
  code?: string;
  reason?: string;
  detail?: string;
  title?: string;
  errors?: { path?: string; message?: string }[];
  current_state?: string;
  request_id?: string;
}

/** A non-2xx answer; `problem` is set when the body is problem+json. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  readonly bodyText: string;

  constructor(status: number, problem: Problem | undefined, bodyText: string) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.bodyText = bodyText;
  }
}

/** `--url`, else NODEPILOT_URL, else the local server on PORT (8080). */
export function resolveBaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = flag || env.NODEPILOT_URL || `http://127.0.0.1:${env.PORT || 8080}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`${raw} is not a URL (expected e.g. http://127.0.0.1:8080)`, 2);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(`${raw} must be an http:// or https:// URL`, 2);
  }
  return url.toString().replace(/\/+$/, "");
}

export const tokenFilePath = (env: NodeJS.ProcessEnv) =>
  resolve(join(env.NODEPILOT_DATA_DIR || "./.nodepilot", "admin-token"));

/** NODEPILOT_TOKEN, else the first-start admin token file, which must be private (mode 0600). */
export function resolveToken(env: NodeJS.ProcessEnv): string {
  if (env.NODEPILOT_TOKEN) return env.NODEPILOT_TOKEN.trim();
  const path = tokenFilePath(env);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new CliError(`no API token: set NODEPILOT_TOKEN, or run \`nodepilot start\` once to create ${path}`);
  }
  if ((mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, "0");
    throw new CliError(
      `refusing to use ${path}: its mode is ${shown}, so other users can read the admin token; run \`chmod 600 ${path}\``,
    );
  }
  const token = readFileSync(path, "utf8").trim();
  if (!token) throw new CliError(`${path} is empty: set NODEPILOT_TOKEN instead`);
  return token;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or the text for other media types. */
  body: unknown;
  json: boolean;
}

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value))
      for (const v of value) params.append(key, typeof v === "object" ? JSON.stringify(v) : String(v));
    else params.append(key, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** Method, path (under /api/v1, with query) and body for one call of an operation. */
export function requestFor(op: AnyOperation, input: Record<string, unknown>) {
  const inPath = pathParams(op.http.path);
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!inPath.includes(k)) rest[k] = v;
  const path = op.http.path.replace(/:([a-z_]+)/g, (_m, name: string) => {
    const value = input[name];
    if (value === undefined || value === null || value === "") throw new CliError(`missing argument <${name}>`, 2);
    return encodeURIComponent(String(value));
  });
  const bodyless = op.http.method === "GET" || op.http.method === "DELETE";
  return {
    method: op.http.method,
    path: bodyless ? `${path}${queryString(rest)}` : path,
    body: bodyless ? undefined : rest,
  };
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly fetchFn: typeof fetch,
  ) {}

  /** One request to `/api/v1<path>`; throws ApiError unless 2xx. */
  async request(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const url = `${this.baseUrl}${API_BASE}${path}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: "application/json",
      "user-agent": `nodepilot-cli/${NODEPILOT_VERSION}`,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (err) {
      const cause = (err as { cause?: { message?: string; code?: string } }).cause;
      throw new CliError(`cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    const type = res.headers.get("content-type") ?? "";
    const json = type.includes("json");
    let parsed: unknown = text;
    if (json && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const problem = json && parsed !== null && typeof parsed === "object" ? (parsed as Problem) : undefined;
      throw new ApiError(res.status, problem, text);
    }
    return { status: res.status, body: parsed, json };
  }

  call(op: AnyOperation, input: Record<string, unknown>): Promise<ApiResponse> {
    const req = requestFor(op, input);
    return this.request(req.method, req.path, req.body);
  }
}
