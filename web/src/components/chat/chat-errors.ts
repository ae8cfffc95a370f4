// The words for a failed chat request. The AI SDK transport throws with the response body as the
// message, which for the API is a problem document.
import type { Problem } from "@/lib/api-types";

export function chatErrorText(err: Error): string {
  let problem: Problem | null = null;
  try {
    const parsed = JSON.parse(err.message) as Problem;
    if (parsed && typeof parsed === "object" && typeof parsed.status === "number") problem = parsed;
  } catch {
    // Not a problem document: a network failure or an interrupted stream.
  }
  if (!problem) {
    return /fetch|network/i.test(err.message)
      ? "The connection to the concierge failed; the reply was interrupted."
      : `The reply was interrupted: ${err.message}`;
  }
  if (problem.status === 409)
    return "A reply is already being written in this conversation. Wait for it, or stop it, then retry.";
  if (problem.status === 401) return "Your session has ended. Sign in again to continue.";
  return problem.detail ?? problem.title ?? `HTTP ${problem.status}`;
}
