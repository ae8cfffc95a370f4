// One sentence for a failed API call, from its problem document (or the transport failure).
import type { Problem } from "./api-types";

export function problemText(status: number, problem: Problem): string {
  if (status === 0) return problem.detail ?? "the API is unreachable";
  return problem.detail ?? problem.title ?? `HTTP ${status}`;
}
