// How a failed call reads on stderr: the problem+json code (and reason), its detail, one line per
// failing field, the current state of a conflict, and the request id to quote in a bug report.
import type { ApiError } from "./api-client.ts";
import { CliError } from "./cli-io.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: server text must not drive the terminal.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const clean = (s: unknown) => String(s).replace(CONTROL, " ");

export function describeFailure(err: ApiError | CliError): string {
  if (err instanceof CliError) return `nodepilot: ${err.message}\n`;
  const p = err.problem;
  if (!p?.code) {
    const snippet = err.bodyText.trim().slice(0, 500);
    return `error: HTTP ${err.status}${snippet ? `: ${clean(snippet)}` : ""}\n`;
  }
  const lines = [
    `error: ${clean(p.code)}${p.reason ? ` (${clean(p.reason)})` : ""}: ${clean(p.detail ?? p.title ?? "")}`,
  ];
  for (const e of p.errors ?? []) lines.push(`  ${clean(e.path || "(input)")}: ${clean(e.message ?? "")}`);
  if (p.current_state) lines.push(`  current state: ${clean(p.current_state)}`);
  if (p.code === "unauthenticated") lines.push("  set NODEPILOT_TOKEN to a valid API token (npt_…)");
  if (p.request_id) lines.push(`  request id: ${clean(p.request_id)}`);
  return `${lines.join("\n")}\n`;
}
