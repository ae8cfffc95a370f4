// Provider truth for instance_state_drift (spec/autonomy.md §1.2 #2): the reader port the sensor is
// given, and the implementation over core's provider registry. Reads are batched per credential
// (one connection's credentials are opened once for all its instances), each call is bounded
// (`callTimeoutMs`, 10 s) and the whole batch by `budgetMs` (20 s per tick, §8); a failed or
// timed-out read is reported as failed, never as a status.
import { type Logger, openProviderCredentials, type ProviderRegistry, type SecretBox } from "@nodepilot/core";
import {
  type InstanceStatus,
  type ProviderAdapter,
  type ProviderCredentials,
  scrubbingLogger,
} from "@nodepilot/core/providers";

export interface ProviderStatusRequest {
  /** The caller's key for the answer (the instance id). */
  key: string;
  /** Requests of one connection share its credentials: that is the batch. */
  connectionId: string;
  providerType: string;
  /** The connection's credentials as stored (sealed), or null when it has none. */
  sealedCredentials: string | null;
  cloudInstanceId: string;
}

export type ProviderStatusRead = { ok: true; status: InstanceStatus } | { ok: false; error: string };

export interface ProviderStatusReadOptions {
  callTimeoutMs: number;
  budgetMs: number;
}

export interface ProviderStatusReader {
  read(
    requests: readonly ProviderStatusRequest[],
    opts: ProviderStatusReadOptions,
  ): Promise<Map<string, ProviderStatusRead>>;
}

export interface ProviderStatusReaderDeps {
  providers: ProviderRegistry;
  secrets: SecretBox;
  logger: Logger;
  /** Calls in flight per connection (default 4), so one tick never floods a provider's API. */
  concurrencyPerConnection?: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Settles with the call, or rejects once `ms` passed or `signal` aborted, whichever is first. */
function bounded<T>(call: (signal: AbortSignal) => Promise<T>, ms: number, outer: AbortSignal): Promise<T> {
  const signal = AbortSignal.any([outer, AbortSignal.timeout(ms)]);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new Error(outer.aborted ? "provider read budget exhausted" : `timed out after ${ms} ms`));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    call(signal).then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

export function createProviderStatusReader(deps: ProviderStatusReaderDeps): ProviderStatusReader {
  const concurrency = deps.concurrencyPerConnection ?? 4;
  return {
    async read(requests, opts) {
      const out = new Map<string, ProviderStatusRead>();
      const byConnection = new Map<string, ProviderStatusRequest[]>();
      for (const r of requests) {
        const list = byConnection.get(r.connectionId) ?? [];
        list.push(r);
        byConnection.set(r.connectionId, list);
      }
      const budget = AbortSignal.timeout(opts.budgetMs);
      await Promise.all(
        [...byConnection.values()].map(async (batch) => {
          const first = batch[0]!;
          let adapter: ProviderAdapter;
          let credentials: ProviderCredentials;
          try {
            adapter = deps.providers.get(first.providerType, "sync");
            credentials = openProviderCredentials(
              deps.secrets,
              first.sealedCredentials,
              first.providerType as ProviderAdapter["providerType"],
            );
          } catch (err) {
            for (const r of batch) out.set(r.key, { ok: false, error: message(err) });
            return;
          }
          const logger = scrubbingLogger(deps.logger, Object.values(credentials));
          let next = 0;
          const worker = async () => {
            while (next < batch.length) {
              const r = batch[next++]!;
              try {
                const status = await bounded(
                  (signal) =>
                    adapter.syncStatus(r.cloudInstanceId, {
                      idempotencyToken: `sense:${r.key}`,
                      deadline: new Date(Date.now() + opts.callTimeoutMs),
                      signal,
                      logger,
                      credentials,
                    }),
                  opts.callTimeoutMs,
                  budget,
                );
                out.set(r.key, { ok: true, status });
              } catch (err) {
                out.set(r.key, { ok: false, error: message(err) });
              }
            }
          };
          await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
        }),
      );
      return out;
    },
  };
}
