// Which events a full outbox gives up (spec/agent.md §10): the lowest severity first and, within a
// severity, the oldest first, until both the entry count and the bytes are at or under the target.
// Entries in the batch being delivered are never chosen: they are about to leave anyway.
import type { AgentEventSeverity } from "@nodepilot/core/agent-protocol";

const RANK: Record<AgentEventSeverity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface DropCandidate {
  n: number;
  severity: AgentEventSeverity;
  bytes: number;
}

export interface Load {
  count: number;
  bytes: number;
}

/** Entry numbers to drop; fewer than needed only when the rest are in flight. */
export function chooseVictims(entries: readonly DropCandidate[], target: Load, inFlightUpTo: number): Set<number> {
  let count = entries.length;
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const victims = new Set<number>();
  if (count <= target.count && bytes <= target.bytes) return victims;
  const order = entries
    .filter((e) => e.n > inFlightUpTo)
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.n - b.n);
  for (const e of order) {
    if (count <= target.count && bytes <= target.bytes) break;
    victims.add(e.n);
    count--;
    bytes -= e.bytes;
  }
  return victims;
}
