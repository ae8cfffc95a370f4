// The platform client as a library: the agent CLI and the fleet simulator (many agents in one
// process) use exactly this code.
export { type BackoffPolicy, DEFAULT_BACKOFF, nextDelay, parseRetryAfter, ROTATION_BACKOFF } from "./backoff.ts";
export { isRetryable, PlatformNetworkError, PlatformProblemError, PlatformResponseError } from "./errors.ts";
export { PlatformClient } from "./platform-client.ts";
export { abortableSleep, type RetryOptions, withRetry } from "./retry.ts";
export {
  type CallOptions,
  type CallResult,
  type ClientCredentials,
  PlatformTransport,
  type TransportOptions,
} from "./transport.ts";
