// The agent API as typed calls (spec/agent.md §4–§7), each parsed against the shared protocol
// schemas on the way out and on the way back.
import {
  AssignmentsResponse,
  CompleteRequest,
  CompleteResponse,
  EnrollRequest,
  EnrollResponse,
  EventsRequest,
  EventsResponse,
  FailRequest,
  FailResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LeaseRequest,
  LeaseResponse,
  RenewRequest,
  RenewResponse,
  RotateRequest,
  RotateResponse,
  StartRequest,
  StartResponse,
  TaskStatusResponse,
  TrustResponse,
} from "@nodepilot/core/agent-protocol";
import type { z } from "zod";
import { PlatformProblemError } from "./errors.ts";
import { type CallOptions, PlatformTransport, type TransportOptions } from "./transport.ts";

/** A conditional GET: 304 when `etag` still matches, otherwise the parsed body and its ETag. */
export type Conditional<T> = { notModified: true } | { notModified: false; etag: string | undefined; data: T };

type In<S extends z.ZodType> = z.input<S>;

export class PlatformClient {
  readonly transport: PlatformTransport;

  constructor(opts: TransportOptions) {
    this.transport = new PlatformTransport(opts);
  }

  private async post<Req extends z.ZodType, Res extends z.ZodType>(
    path: string,
    reqSchema: Req,
    body: In<Req>,
    resSchema: Res,
    opts: Pick<CallOptions<unknown>, "signal" | "requestId"> = {},
  ): Promise<{ status: number; data: z.infer<Res> }> {
    const parsed = reqSchema.parse(body);
    const { status, data } = await this.transport.call("POST", path, { ...opts, body: parsed, schema: resSchema });
    return { status, data: data as z.infer<Res> };
  }

  async enroll(body: In<typeof EnrollRequest>, signal?: AbortSignal): Promise<z.infer<typeof EnrollResponse>> {
    return (await this.post("/enroll", EnrollRequest, body, EnrollResponse, { signal })).data;
  }

  async rotate(body: In<typeof RotateRequest>, signal?: AbortSignal): Promise<z.infer<typeof RotateResponse>> {
    return (await this.post("/certificates/rotate", RotateRequest, body, RotateResponse, { signal })).data;
  }

  async heartbeat(body: In<typeof HeartbeatRequest>, signal?: AbortSignal): Promise<z.infer<typeof HeartbeatResponse>> {
    return (await this.post("/heartbeat", HeartbeatRequest, body, HeartbeatResponse, { signal })).data;
  }

  async lease(body: In<typeof LeaseRequest>, signal?: AbortSignal): Promise<z.infer<typeof LeaseResponse>> {
    return (await this.post("/tasks/lease", LeaseRequest, body, LeaseResponse, { signal })).data;
  }

  async start(taskId: string, body: In<typeof StartRequest>, signal?: AbortSignal) {
    return (
      await this.post(`/tasks/${encodeURIComponent(taskId)}/start`, StartRequest, body, StartResponse, { signal })
    ).data;
  }

  async renew(taskId: string, body: In<typeof RenewRequest>, signal?: AbortSignal) {
    return (
      await this.post(`/tasks/${encodeURIComponent(taskId)}/renew`, RenewRequest, body, RenewResponse, { signal })
    ).data;
  }

  async complete(taskId: string, body: In<typeof CompleteRequest>, signal?: AbortSignal) {
    return (
      await this.post(`/tasks/${encodeURIComponent(taskId)}/complete`, CompleteRequest, body, CompleteResponse, {
        signal,
      })
    ).data;
  }

  async fail(taskId: string, body: In<typeof FailRequest>, signal?: AbortSignal) {
    return (await this.post(`/tasks/${encodeURIComponent(taskId)}/fail`, FailRequest, body, FailResponse, { signal }))
      .data;
  }

  /** Replays outbox events (spec/agent.md §10); the server deduplicates on each event's id. */
  async postEvents(body: In<typeof EventsRequest>, signal?: AbortSignal): Promise<z.infer<typeof EventsResponse>> {
    return (await this.post("/events", EventsRequest, body, EventsResponse, { signal })).data;
  }

  async getTask(taskId: string, signal?: AbortSignal) {
    return (
      await this.transport.call("GET", `/tasks/${encodeURIComponent(taskId)}`, { schema: TaskStatusResponse, signal })
    ).data;
  }

  /** GET /assignments (spec/agent.md §8), revalidated with the ETag of the copy the agent holds. */
  assignments(etag?: string, signal?: AbortSignal): Promise<Conditional<AssignmentsResponse>> {
    return this.conditional("/assignments", AssignmentsResponse, etag, signal);
  }

  /** GET /trust (spec/agent.md §8), cached by content hash. */
  trust(etag?: string, signal?: AbortSignal): Promise<Conditional<TrustResponse>> {
    return this.conditional("/trust", TrustResponse, etag, signal);
  }

  private async conditional<T>(
    path: string,
    schema: z.ZodType<T>,
    etag: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Conditional<T>> {
    try {
      const res = await this.transport.call("GET", path, {
        schema,
        ...(signal ? { signal } : {}),
        ...(etag ? { headers: { "If-None-Match": etag } } : {}),
      });
      const tag = res.headers.etag;
      return { notModified: false, etag: Array.isArray(tag) ? tag[0] : tag, data: res.data };
    } catch (err) {
      if (etag && err instanceof PlatformProblemError && err.status === 304) return { notModified: true };
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}
