// Process exit codes (spec/agent.md §1).
export const EXIT = {
  ok: 0,
  error: 1,
  verificationFailed: 2,
  mountFailed: 3,
  enrollmentRefused: 4,
  identityUnresolved: 5,
  usage: 64,
} as const;

/** An error that ends a command with a specific exit code. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
