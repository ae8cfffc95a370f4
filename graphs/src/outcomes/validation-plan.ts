// Validation of remediations (spec/autonomy.md §3.7): pure. Given a due remediation, the state of
// its tasks, its owning sensor's status this tick and whether its condition was seen this tick,
// decide what it became: still waiting, effective, ineffective, failed or inconclusive.
export type Verdict = "wait" | "effective" | "ineffective" | "failed" | "inconclusive";

export interface ValidationFacts {
  /** Statuses of the tasks the remediation created. */
  taskStatuses: readonly string[];
  /** The owning sensor's status in this tick's sense pass (null: it has not run). */
  sensorStatus: string | null;
  /** The condition was seen in this tick (present), or is cleared / absent. */
  conditionPresent: boolean;
  /** Ticks at or after settle whose sensor was not ok, before this one. */
  unvalidatedTicks: number;
}

const ACTIVE = new Set(["pending", "leased", "running"]);
const BAD = new Set(["failed", "aborted", "cancelled", "expired"]);
export const INCONCLUSIVE_AFTER_TICKS = 5;

export function validationVerdict(f: ValidationFacts): Verdict {
  if (f.taskStatuses.some((s) => ACTIVE.has(s))) return "wait";
  if (f.taskStatuses.some((s) => BAD.has(s))) return "failed";
  if (f.sensorStatus !== "ok") return f.unvalidatedTicks + 1 >= INCONCLUSIVE_AFTER_TICKS ? "inconclusive" : "wait";
  return f.conditionPresent ? "ineffective" : "effective";
}
