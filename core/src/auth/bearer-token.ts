// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), read the same way by every
// HTTP surface (REST, the event stream, MCP) so none accepts a header another refuses.
const BEARER = /^Bearer\s+(\S+)$/i;

/** The token, or undefined when the header is absent or is not one Bearer credential. */
export function bearerToken(header: string | null | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}
