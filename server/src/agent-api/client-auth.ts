// Client-certificate authentication for the agent listener: the TLS peer certificate is verified
// against what we issued (PKI verifyClient), and a verified certificate is remembered for at most
// 5 s so a busy agent does not cost a database round trip per call while a revocation still bites fast.
// The verdict is also kept per TLS connection: TLS 1.3 has no renegotiation, so a connection's peer
// certificate cannot change, and a keep-alive agent then skips even reading and hashing it.
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { AppError } from "@nodepilot/core";
import type { AgentIdentity } from "./node-principal.ts";
import type { AgentPki } from "./pki-port.ts";

export const VERIFIED_CACHE_MS = 5_000;

export class ClientAuth {
  readonly #cache = new Map<string, { identity: AgentIdentity; until: number }>();
  readonly #perSocket = new WeakMap<TLSSocket, { identity: AgentIdentity; until: number; generation: number }>();
  /** Bumped by clear() so per-connection verdicts from before a revocation are not trusted. */
  #generation = 0;

  constructor(private readonly pki: AgentPki) {}

  async authenticate(socket: TLSSocket | undefined, now: Date): Promise<AgentIdentity> {
    const t = now.getTime();
    if (socket) {
      const mine = this.#perSocket.get(socket);
      if (mine && mine.until > t && mine.identity.notAfter.getTime() > t && mine.generation === this.#generation) {
        return mine.identity;
      }
    }
    const peer = typeof socket?.getPeerCertificate === "function" ? socket.getPeerCertificate(true) : undefined;
    if (!peer?.raw || peer.raw.length === 0) {
      throw new AppError("unauthenticated", "a client certificate is required", { reason: "certificate_required" });
    }
    const key = createHash("sha256").update(peer.raw).digest("hex");
    const hit = this.#cache.get(key);
    if (hit && hit.until > t && hit.identity.notAfter.getTime() > t) {
      this.#remember(socket, hit);
      return hit.identity;
    }
    if (hit) this.#cache.delete(key);
    const generation = this.#generation;
    const identity = await this.pki.verifyClient(peer.raw, now);
    if (generation !== this.#generation) return identity; // a clear() raced this verification: do not cache
    if (this.#cache.size > 10_000) this.#cache.clear(); // bounded; a miss only costs one verification
    const verdict = { identity, until: t + VERIFIED_CACHE_MS };
    this.#cache.set(key, verdict);
    this.#remember(socket, verdict);
    return identity;
  }

  /** Forget every verified certificate (after a revocation this process performed). */
  clear(): void {
    this.#cache.clear();
    this.#generation++;
  }

  #remember(socket: TLSSocket | undefined, verdict: { identity: AgentIdentity; until: number }) {
    if (!socket) return;
    this.#perSocket.set(socket, { ...verdict, generation: this.#generation });
  }
}
