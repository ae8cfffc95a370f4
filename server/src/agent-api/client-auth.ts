// Client-certificate authentication for the agent listener: the TLS peer certificate is verified
// against what we issued (PKI verifyClient), and a verified certificate is remembered for at most
// 5 s so a busy agent does not cost a database round trip per call while a revocation still bites fast.
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { AppError } from "@nodepilot/core";
import type { AgentIdentity } from "./node-principal.ts";
import type { AgentPki } from "./pki-port.ts";

export const VERIFIED_CACHE_MS = 5_000;

export class ClientAuth {
  readonly #cache = new Map<string, { identity: AgentIdentity; until: number }>();

  constructor(private readonly pki: AgentPki) {}

  async authenticate(socket: TLSSocket | undefined, now: Date): Promise<AgentIdentity> {
    const peer = typeof socket?.getPeerCertificate === "function" ? socket.getPeerCertificate(true) : undefined;
    if (!peer?.raw || peer.raw.length === 0) {
      throw new AppError("unauthenticated", "a client certificate is required", { reason: "certificate_required" });
    }
    const key = createHash("sha256").update(peer.raw).digest("hex");
    const hit = this.#cache.get(key);
    const t = now.getTime();
    if (hit && hit.until > t && hit.identity.notAfter.getTime() > t) return hit.identity;
    if (hit) this.#cache.delete(key);
    const identity = await this.pki.verifyClient(peer.raw, now);
    if (this.#cache.size > 10_000) this.#cache.clear(); // bounded; a miss only costs one verification
    this.#cache.set(key, { identity, until: t + VERIFIED_CACHE_MS });
    return identity;
  }

  /** Forget every verified certificate (after a revocation this process performed). */
  clear(): void {
    this.#cache.clear();
  }
}
