// A severity badge: colour from globals.css (.badge.<severity>) and always the word itself.
import type { Severity } from "./types";

export function SeverityBadge({ severity }: { severity: Severity | string }) {
  return <span className={`badge ${severity}`}>{severity}</span>;
}

/** A status badge; the state name is the text, the colour a hint. */
export function StatusBadge({ status }: { status: string }) {
  const tone = STATUS_TONE[status] ?? status;
  return <span className={`badge ${tone}`}>{status.replaceAll("_", " ")}</span>;
}

const STATUS_TONE: Record<string, string> = {
  succeeded: "complete",
  error: "failed",
  expired: "warn",
  stopped: "neutral",
  terminated: "neutral",
  rebooting: "pending",
  starting: "pending",
  stopping: "pending",
  provisioning: "pending",
  terminating: "pending",
  leased: "pending",
  cancelled: "neutral",
};
