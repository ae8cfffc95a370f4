// What the CLI commands touch outside themselves: environment, output streams, the network and the
// exit status. Passed in (never read at import) so tests can run commands in process.

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether a human is watching (decides the default of --wait). */
  isTTY: boolean;
  fetch: typeof fetch;
  /** Normal completion with a status (the process keeps running until its event loop drains). */
  setExitCode(code: number): void;
  /** Commander's early terminations (help, usage errors); does not return. */
  exit(code: number): never;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    fetch: (input, init) => fetch(input, init),
    setExitCode: (code) => {
      process.exitCode = code;
    },
    exit: (code) => process.exit(code),
  };
}

/** A failure the CLI explains itself (no token, bad URL); exit 2 marks a usage error. */
export class CliError extends Error {
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
