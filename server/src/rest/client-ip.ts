// Where an operator request came from, as every HTTP surface records it (a token's last_used_ip,
// the sign-in limiter's key): the first X-Forwarded-For hop, else the socket's address.
import type { Context } from "hono";

export function clientIp(c: Context): string | undefined {
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return forwarded || env?.incoming?.socket?.remoteAddress || undefined;
}
