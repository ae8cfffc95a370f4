// `mcp.tool_called` audit events (spec/mcp.md §5 "Audit"), written in batches: one event per call
// would put a write transaction (and the account's event-sequence lock) on every read. Buffered
// events are flushed every `everyMs` or at `maxBatch`, and on close; a crash loses at most one
// interval of audit (the operations' own domain events are written in their transactions).
import { type EventInput, emitEvents, type Logger, type Principal } from "@nodepilot/core";
import type { Database } from "@nodepilot/store";

interface Pending {
  principal: Principal;
  event: EventInput;
}

export class AuditBuffer {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly everyMs = 500,
    private readonly maxBatch = 200,
  ) {}

  record(principal: Principal, event: EventInput): void {
    this.pending.push({ principal, event });
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.everyMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: Pending[]): Promise<void> {
    // One emitEvents per actor, so each event keeps who called.
    const byActor = new Map<string, Pending[]>();
    for (const p of batch) {
      const key = `${p.principal.accountId}:${p.principal.actorId}`;
      byActor.set(key, [...(byActor.get(key) ?? []), p]);
    }
    try {
      await this.database.db.transaction(async (tx) => {
        for (const group of byActor.values()) {
          const origin = {
            principal: group[0]!.principal,
            source: "mcp" as const,
            correlationId: null,
            now: new Date(),
          };
          await emitEvents(
            tx,
            origin,
            group.map((g) => g.event),
          );
        }
      });
    } catch (err) {
      this.logger.error("could not write MCP audit events", {
        events: batch.length,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
