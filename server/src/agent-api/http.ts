// Request plumbing shared by the agent routes: the request id, strict JSON bodies parsed with the
// protocol schemas (400 naming the field), and AppErrors rendered as problem+json.
import { randomUUID } from "node:crypto";
import { AppError, fromZodError, toAppError } from "@nodepilot/core";
import type { Context } from "hono";
import type { z } from "zod";
import { problemResponse } from "../rest/problem.ts";

export const requestIdOf = (c: Context): string => {
  const given = c.req.header("x-request-id");
  return given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
};

/** Read and parse a JSON body; bodies over `maxBytes` are refused before parsing. */
export async function parseBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  maxBytes = 256 * 1024,
): Promise<z.infer<S>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > maxBytes) throw tooLarge(maxBytes);
  let json: unknown;
  try {
    json = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new AppError("invalid_input", "the body is not valid JSON", {
      errors: [{ path: "", message: "must be a JSON object" }],
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

const tooLarge = (maxBytes: number) =>
  new AppError("invalid_input", `the body is larger than ${maxBytes} bytes`, {
    reason: "body_too_large",
    errors: [{ path: "", message: `must be at most ${maxBytes} bytes` }],
  });

export function agentProblem(err: unknown, requestId: string): Response {
  const e = toAppError(err);
  const headers: Record<string, string> = { "x-request-id": requestId };
  const retry = e.details?.retry_after_seconds;
  if (e.code === "rate_limited" && typeof retry === "number") headers["retry-after"] = String(retry);
  return problemResponse(e, requestId, headers);
}
