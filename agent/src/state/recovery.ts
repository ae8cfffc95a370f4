// Crash recovery as a pure decision (spec/agent.md §6): given a journal entry and what the
// server says about the task now, what should the agent do?
import type { JournalEntry } from "./journal.ts";

export type ServerTaskView = { found: false } | { found: true; status: string; lease_id: string | null };

export type RecoveryAction =
  | { action: "drop"; reason: string }
  /** Renew, then resend the journalled report with its completion_id. */
  | { action: "resend" }
  /** Renew, then run the handler again (idempotent command, or never dispatched). */
  | { action: "rerun" }
  /** Renew, then `fail {error_code: agent_restarted, retryable: false}`. */
  | { action: "fail_restarted" };

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "expired"]);

export function planRecovery(entry: JournalEntry, server: ServerTaskView, idempotent: boolean): RecoveryAction {
  if (!server.found) return { action: "drop", reason: "task not found (another instance's or deleted)" };
  if (TERMINAL.has(server.status)) return { action: "drop", reason: `task is ${server.status}` };
  const held = (server.status === "leased" || server.status === "running") && server.lease_id === entry.lease_id;
  if (!held) return { action: "drop", reason: "lease lost" };
  if (entry.phase === "reporting" && entry.completion_id && entry.outcome) return { action: "resend" };
  // Journalled `leased` means the handler was never dispatched (we journal `running` before
  // dispatching), so running it now is a first run, not a re-run, whatever the command.
  if (entry.phase === "leased" || idempotent) return { action: "rerun" };
  return { action: "fail_restarted" };
}
