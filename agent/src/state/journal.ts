// The task journal `tasks-state.json` (spec/agent.md §6): one entry per task this agent holds,
// with the phase it reached. Writes are serialised and atomic, so concurrent tasks never lose
// each other's updates and a crash leaves either the old or the new file.
import { z } from "zod";
import { readOptional, writeJsonAtomic } from "./atomic.ts";

export const JournalOutcome = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("complete"), result: z.record(z.string(), z.unknown()) }),
  z.strictObject({
    kind: z.literal("fail"),
    error_code: z.string(),
    error_message: z.string(),
    retryable: z.boolean(),
  }),
]);
export type JournalOutcome = z.infer<typeof JournalOutcome>;

export const JournalEntry = z.strictObject({
  task_id: z.string(),
  lease_id: z.string(),
  command: z.string(),
  payload: z.record(z.string(), z.unknown()),
  phase: z.enum(["leased", "running", "reporting"]),
  lease_ttl_seconds: z.int(),
  attempt: z.int(),
  max_attempts: z.int(),
  timeout_seconds: z.int(),
  completion_id: z.string().optional(),
  outcome: JournalOutcome.optional(),
  updated_at: z.string(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

const JournalFile = z.strictObject({ version: z.literal(1), entries: z.array(JournalEntry) });

export class TaskJournal {
  private chain: Promise<unknown> = Promise.resolve();
  private entries = new Map<string, JournalEntry>();
  private loaded = false;

  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async load(): Promise<JournalEntry[]> {
    const text = await readOptional(this.file);
    this.entries = new Map((text ? JournalFile.parse(JSON.parse(text)).entries : []).map((e) => [e.task_id, e]));
    this.loaded = true;
    return this.list();
  }

  list(): JournalEntry[] {
    return [...this.entries.values()];
  }

  get(taskId: string): JournalEntry | undefined {
    return this.entries.get(taskId);
  }

  /** Inserts or replaces an entry and persists before resolving. */
  put(entry: Omit<JournalEntry, "updated_at">): Promise<void> {
    return this.mutate(() => this.entries.set(entry.task_id, { ...entry, updated_at: this.now().toISOString() }));
  }

  update(taskId: string, patch: Partial<Omit<JournalEntry, "task_id" | "updated_at">>): Promise<void> {
    return this.mutate(() => {
      const current = this.entries.get(taskId);
      if (!current) throw new Error(`journal has no entry for task ${taskId}`);
      this.entries.set(taskId, { ...current, ...patch, updated_at: this.now().toISOString() });
    });
  }

  drop(taskId: string): Promise<void> {
    return this.mutate(() => this.entries.delete(taskId));
  }

  private mutate(change: () => void): Promise<void> {
    if (!this.loaded) return Promise.reject(new Error("journal used before load()"));
    const next = this.chain.then(async () => {
      change();
      await writeJsonAtomic(this.file, { version: 1, entries: this.list() });
    });
    // A failed write must not wedge every later write behind it.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
