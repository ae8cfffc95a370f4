// Groups the live feed into chains (spec/ui.md §5): events sharing a correlation_id are one chain
// (a tick, a request), and a task's events stay in the chain that created the task even when the
// agent reported them under its own request ids (task_id is looked up before correlation_id).
// Each chain also names the latest lifecycle step of every task in it. Pure, so the feed
// recomputes it from its buffer.
import { maxSeverity } from "./format";
import type { FleetEvent, Severity } from "./types";

export interface EventGroup {
  key: string;
  correlationId: string | null;
  /** Newest first. */
  events: FleetEvent[];
  firstKind: string;
  latest: FleetEvent;
  severity: Severity;
  /** The latest step of each task in the chain ("task.complete"), newest task first. */
  tasks: TaskStep[];
}

export interface TaskStep {
  taskId: string;
  command: string | null;
  step: string;
}

/** A task event's lifecycle step: task.created, task.<machine event> (lease, start, complete…), task.progress. */
export function taskStep(e: FleetEvent): string | null {
  if (!e.task_id || !e.kind.startsWith("task.")) return null;
  const event = e.payload?.event;
  return e.kind === "task.transitioned" && typeof event === "string" ? `task.${event}` : e.kind;
}

function taskSteps(chain: readonly FleetEvent[]): TaskStep[] {
  const latest = new Map<string, TaskStep>();
  for (const e of chain) {
    const step = taskStep(e);
    if (!step || !e.task_id) continue;
    const command = typeof e.payload?.command === "string" ? e.payload.command : null;
    const before = latest.get(e.task_id);
    // Re-inserted so the map's order is the order of each task's latest step.
    latest.delete(e.task_id);
    latest.set(e.task_id, { taskId: e.task_id, command: command ?? before?.command ?? null, step });
  }
  return [...latest.values()].reverse();
}

export function groupEvents(events: readonly FleetEvent[]): EventGroup[] {
  const ascending = [...events].sort((a, b) => a.seq - b.seq);
  const byCorrelation = new Map<string, FleetEvent[]>();
  const byTask = new Map<string, FleetEvent[]>();
  const chains: FleetEvent[][] = [];
  for (const e of ascending) {
    let chain =
      (e.task_id ? byTask.get(e.task_id) : undefined) ??
      (e.correlation_id ? byCorrelation.get(e.correlation_id) : undefined);
    if (!chain) {
      chain = [];
      chains.push(chain);
    }
    chain.push(e);
    if (e.correlation_id && !byCorrelation.has(e.correlation_id)) byCorrelation.set(e.correlation_id, chain);
    if (e.task_id && !byTask.has(e.task_id)) byTask.set(e.task_id, chain);
  }
  return chains
    .map((chain): EventGroup => {
      const first = chain[0]!;
      const latest = chain[chain.length - 1]!;
      return {
        key: first.correlation_id
          ? `c:${first.correlation_id}`
          : first.task_id
            ? `t:${first.task_id}`
            : `e:${first.id}`,
        correlationId: chain.find((e) => e.correlation_id)?.correlation_id ?? null,
        events: [...chain].reverse(),
        firstKind: first.kind,
        latest,
        severity: maxSeverity(chain.map((e) => e.severity)),
        tasks: taskSteps(chain),
      };
    })
    .sort((a, b) => b.latest.seq - a.latest.seq);
}
