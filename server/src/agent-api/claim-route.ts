// POST /agent/v1/claim (spec/agent.md §2, source 8): over TLS without a client certificate, a box
// with a generic image polls until an operator claims it. Rate-limited per source IP (429 with
// Retry-After). Claims land in the listener's account: an unclaimed box presents nothing else that
// could name one.
import { pollClaim, type Services } from "@nodepilot/core";
import { AGENT_API_BASE_PATH, ClaimRequest } from "@nodepilot/core/agent-protocol";
import type { Hono } from "hono";
import type { AgentEnv } from "./agent-env.ts";
import { parseBody } from "./http.ts";
import { rateLimited, WindowLimiter } from "./rate-limit.ts";

export const CLAIM_PATH = `${AGENT_API_BASE_PATH}/claim`;
/** Polls per source IP per minute: a site of ~30 boxes behind one NAT polling every 30 s fits. */
export const CLAIM_POLLS_PER_MINUTE = 60;
const CLAIM_MAX_BYTES = 4096;

export interface ClaimRouteDeps {
  services: Services;
  /** The account unclaimed boxes are recorded in (the runtime's account). */
  accountId: string;
  /** poll_after_seconds of pending replies (default 30). */
  pollAfterSeconds?: number | undefined;
  /** Polls per source IP per window (default CLAIM_POLLS_PER_MINUTE per minute; tests shorten it). */
  rateLimit?: ClaimRateLimit | undefined;
}

export interface ClaimRateLimit {
  polls: number;
  windowMs: number;
}

export function mountClaimRoute(api: Hono<AgentEnv>, deps: ClaimRouteDeps): void {
  const { polls, windowMs } = deps.rateLimit ?? { polls: CLAIM_POLLS_PER_MINUTE, windowMs: 60_000 };
  const limiter = new WindowLimiter(polls, windowMs);
  api.post("/claim", async (c) => {
    const ip = c.env?.incoming?.socket.remoteAddress ?? "unknown";
    const wait = limiter.take(ip, Date.now());
    if (wait > 0) throw rateLimited("too many claim polls from this address", wait);
    const request = await parseBody(c, ClaimRequest, CLAIM_MAX_BYTES);
    const reply = await pollClaim(deps.services.database.db, deps.services.secrets, {
      accountId: deps.accountId,
      request,
      sourceIp: ip,
      now: deps.services.clock(),
      requestId: c.get("requestId"),
      ...(deps.pollAfterSeconds ? { pollAfterSeconds: deps.pollAfterSeconds } : {}),
    });
    return c.json(reply, 200);
  });
}
