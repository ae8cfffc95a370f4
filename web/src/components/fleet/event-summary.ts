// One line of text for an event, from its payload: transitions as "from → to", task events with
// their command, otherwise the first few scalar fields. The full payload is on the event page.
import { taskStep } from "./event-groups";
import type { FleetEvent } from "./types";

const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean";

export function eventSummary(e: FleetEvent): string {
  const p = e.payload ?? {};
  const command = typeof p.command === "string" ? p.command : null;
  if (scalar(p.from) && scalar(p.to)) {
    const step = taskStep(e);
    return `${command ? `${command}: ` : ""}${p.from} → ${p.to}${step ? ` · ${step}` : ""}`;
  }
  if (e.kind === "task.created" && command) return `${command} queued`;
  for (const key of ["description", "message", "reason", "summary"]) {
    const v = p[key];
    if (typeof v === "string" && v !== "") return v.length > 140 ? `${v.slice(0, 139)}…` : v;
  }
  const parts = Object.entries(p)
    .filter(([, v]) => scalar(v))
    .slice(0, 3)
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.join(" · ");
}
