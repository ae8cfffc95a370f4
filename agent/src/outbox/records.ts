// The lines of an outbox segment (spec/agent.md §10). Each line is one JSON record:
//   meta  the outbox counters when the line was written (next entry number, ack mark, dropped total)
//   put   one queued event with its entry number n (monotonic, never reused)
//   ack   every entry with n ≤ upto was delivered
// State is the replay of all lines, so an append is the only write a delivery or a queueing needs.
import { AgentEvent } from "@nodepilot/core/agent-protocol";
import { z } from "zod";

const N = z.int().min(0);

const MetaRecord = z.strictObject({ op: z.literal("meta"), next: N, acked: N, dropped: N });
const PutRecord = z.strictObject({ op: z.literal("put"), n: N, e: AgentEvent });
const AckRecord = z.strictObject({ op: z.literal("ack"), upto: N });

const OutboxRecord = z.discriminatedUnion("op", [MetaRecord, PutRecord, AckRecord]);
export type OutboxRecord = z.infer<typeof OutboxRecord>;

export interface OutboxCounters {
  /** The number the next queued entry gets. */
  next: number;
  /** Entries with n ≤ acked were delivered (0 when none: entry numbers start at 1). */
  acked: number;
  /** Events dropped because the outbox was full, over its whole life. */
  dropped: number;
}

export const metaLine = (c: OutboxCounters) =>
  `${JSON.stringify({ op: "meta", next: c.next, acked: c.acked, dropped: c.dropped })}\n`;

/** `json` is the event exactly as it goes on the wire, so batch sizes are known without re-encoding. */
export const putLine = (n: number, json: string) => `{"op":"put","n":${n},"e":${json}}\n`;

export const ackLine = (upto: number) => `${JSON.stringify({ op: "ack", upto })}\n`;

/** One complete line (without its newline), or null when it is not a record we wrote. */
export function parseRecord(line: string): OutboxRecord | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = OutboxRecord.safeParse(json);
  return parsed.success ? parsed.data : null;
}
