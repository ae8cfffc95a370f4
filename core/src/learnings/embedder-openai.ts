// Embeddings from an OpenAI-compatible endpoint (POST {baseUrl}/embeddings): OpenAI itself, or any
// server speaking its API (vLLM, Ollama, LiteLLM…). The response is parsed, not trusted: one vector
// of the configured dimension per input, in input order.
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { Embedder } from "./embedder.ts";
import { l2Normalise } from "./embedder.ts";

export interface OpenAiEmbedderOptions {
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  dimensions: number;
  /** Whole-request timeout; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })).min(1),
  model: z.string().optional(),
});

export function openAiCompatibleEmbedder(opts: OpenAiEmbedderOptions): Embedder {
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/embeddings`;
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    model: opts.model,
    dimensions: opts.dimensions,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const timeout = AbortSignal.timeout(timeoutMs);
      let res: Response;
      try {
        res = await doFetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
          },
          body: JSON.stringify({ model: opts.model, input: texts, dimensions: opts.dimensions }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (err) {
        throw new AppError("unavailable", `embedding endpoint ${url} unreachable`, {
          reason: timeout.aborted ? "embedding_timeout" : "embedding_unreachable",
          cause: err,
        });
      }
      if (!res.ok) {
        const body = (await res.text().catch(() => "")).slice(0, 300);
        throw new AppError("unavailable", `embedding endpoint answered ${res.status}: ${body}`, {
          reason: "embedding_http_error",
          details: { status: res.status },
        });
      }
      const parsed = EmbeddingsResponse.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError(
          "unavailable",
          `embedding response invalid at ${issue?.path.join(".") || "(body)"}: ${issue?.message}`,
          {
            reason: "embedding_bad_response",
          },
        );
      }
      const out = new Array<number[] | undefined>(texts.length);
      for (const d of parsed.data.data) {
        if (d.index >= texts.length) {
          throw new AppError("unavailable", `embedding response data.index ${d.index} out of range`, {
            reason: "embedding_bad_response",
          });
        }
        if (d.embedding.length !== opts.dimensions) {
          throw new AppError(
            "unavailable",
            `embedding response data[${d.index}].embedding has ${d.embedding.length} dimensions, configured ${opts.dimensions}`,
            { reason: "embedding_bad_response" },
          );
        }
        out[d.index] = l2Normalise(d.embedding);
      }
      const missing = out.indexOf(undefined);
      if (missing >= 0) {
        throw new AppError("unavailable", `embedding response has no vector for input ${missing}`, {
          reason: "embedding_bad_response",
        });
      }
      return out as number[][];
    },
  };
}
