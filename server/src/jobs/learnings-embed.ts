// The `learnings.embed` job (spec/autonomy.md §5.3): learnings are written with their embedding
// pending, so no decision waits on a model; this job embeds them in batches every minute until none
// is due, with the process's embedder (the OpenAI-compatible endpoint when configured, else the
// local one — ADR 0007). A batch that fails backs off per row; nothing is lost.
import { embedPending, type LearningsIndex } from "@nodepilot/core";
import { z } from "zod";
import { defineJob, type JobHandler } from "./define-job.ts";
import type { JobServices } from "./job-services.ts";

export const learningsEmbedJob = defineJob({
  name: "learnings.embed",
  description: "Embed pending learnings in batches until none is due (failures back off per row, 1 min to 1 h).",
  payload: z
    .object({
      account_id: z.uuid().optional(),
      batch_size: z.number().int().min(1).max(512).default(64),
      max_batches: z.number().int().min(1).max(1000).default(20),
    })
    .strict(),
  timeoutMs: 5 * 60_000,
  attempts: 1,
  backoff: { type: "fixed", delayMs: 0 },
  lock: { ttlMs: 5 * 60_000 },
});

export const LEARNINGS_EMBED_EVERY_MS = 60_000;

export function learningsEmbedHandler(
  services: JobServices,
  learnings: LearningsIndex | undefined,
): JobHandler<z.output<typeof learningsEmbedJob.payload>> {
  return async (payload, ctx) => {
    if (!learnings) throw new Error("this process was started without a learnings index (no embedder)");
    const totals = { batches: 0, embedded: 0, retried: 0, failed: 0 };
    for (; totals.batches < payload.max_batches; totals.batches++) {
      const r = await embedPending(services.database.db, learnings.embedder, {
        now: services.clock(),
        batchSize: payload.batch_size,
        signal: ctx.signal,
        ...(payload.account_id ? { accountId: payload.account_id } : {}),
      });
      totals.embedded += r.embedded;
      totals.retried += r.retried;
      totals.failed += r.failed;
      if (r.embedded + r.retried + r.failed < payload.batch_size) break;
    }
    return { ...totals, model: learnings.embedder.model, mode: learnings.mode };
  };
}
