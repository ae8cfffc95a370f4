// Source 8, claim (spec/agent.md §2): an identity file gave SERVER and a CA but no ID/KEY, so this
// is a box with a generic image. It polls POST /agent/v1/claim over TLS without a client
// certificate, shows the claim code on the console and stderr until an operator claims it, then
// returns the instance id and bootstrap token so enrollment continues. Polling ignores the
// resolver's 30 s deadline: it honours poll_after_seconds and Retry-After and rides out network
// errors and 5xx indefinitely with the transport's backoff. Other refusals end the source; a 409
// (the box is already enrolled) ends it as an enrollment refusal.
import { appendFile } from "node:fs/promises";
import { hostname } from "node:os";
import { ClaimResponse } from "@nodepilot/core/agent-protocol";
import { type BackoffPolicy, DEFAULT_BACKOFF, nextDelay } from "../client/backoff.ts";
import { isRetryable, PlatformProblemError } from "../client/errors.ts";
import { abortableSleep } from "../client/retry.ts";
import { PlatformTransport } from "../client/transport.ts";
import { EXIT, ExitError } from "../exit-codes.ts";
import { AGENT_VERSION, agentArchitecture } from "../version.ts";
import { DEFAULT_CPUINFO_PATH, discoverDmiUuid, discoverMac } from "./claim-hardware.ts";
import { DEFAULT_SYSFS_ROOT } from "./fw-cfg.ts";

export const DEFAULT_CLAIM_CONSOLE = "/dev/tty1";
/** A pending box re-shows its code this often, for whoever walks up to the console later. */
const REMIND_EVERY_POLLS = 10;

export interface ClaimOptions {
  sysfsRoot?: string;
  cpuinfoPath?: string;
  /** Where the code is shown besides stderr; skipped quietly when not writable. */
  consolePath?: string | null;
  hostname?: string;
  platformHint?: string;
  /** Diagnostics and the claim code (stderr in the CLI). */
  log?: (line: string) => void;
  signal?: AbortSignal;
  policy?: BackoffPolicy;
  rng?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ClaimBasis {
  platform_url: string;
  ca_pem: string;
}

export interface ClaimedIdentity extends ClaimBasis {
  instance_id: string;
  bootstrap_token: string;
}

async function showCode(code: string, opts: ClaimOptions, log: (line: string) => void): Promise<void> {
  const text = `Nodepilot: this machine is waiting to be claimed. Claim code: ${code.slice(0, 4)}-${code.slice(4)}`;
  log(text);
  const consolePath = opts.consolePath === undefined ? DEFAULT_CLAIM_CONSOLE : opts.consolePath;
  if (!consolePath) return;
  // The console is a courtesy: a missing or unwritable tty never stops the claim.
  await appendFile(consolePath, `\r\n${text}\r\n`).catch(() => undefined);
}

export async function claimIdentity(basis: ClaimBasis, opts: ClaimOptions = {}): Promise<ClaimedIdentity> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sleep = opts.sleep ?? abortableSleep;
  const rng = opts.rng ?? Math.random;
  const sysfsRoot = opts.sysfsRoot ?? DEFAULT_SYSFS_ROOT;
  const body = {
    mac: await discoverMac(sysfsRoot),
    dmi_uuid: await discoverDmiUuid(sysfsRoot, opts.cpuinfoPath ?? DEFAULT_CPUINFO_PATH),
    hostname: (opts.hostname ?? hostname()).slice(0, 253) || "localhost",
    agent_version: AGENT_VERSION,
    architecture: agentArchitecture(),
    ...(opts.platformHint ? { platform_hint: opts.platformHint } : {}),
  };
  const transport = new PlatformTransport({
    platformUrl: basis.platform_url,
    caBundlePem: basis.ca_pem,
    agentVersion: AGENT_VERSION,
  });
  let failures = 0;
  let shown: string | null = null;
  let polls = 0;
  try {
    for (;;) {
      let delayMs: number;
      try {
        const { data } = await transport.call("POST", "/claim", {
          body,
          schema: ClaimResponse,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        failures = 0;
        if (data.status === "claimed") {
          log(`claimed as instance ${data.instance_id}; enrolling`);
          return { ...basis, instance_id: data.instance_id, bootstrap_token: data.bootstrap_token };
        }
        if (data.claim_code !== shown || polls % REMIND_EVERY_POLLS === 0) await showCode(data.claim_code, opts, log);
        shown = data.claim_code;
        polls++;
        delayMs = data.poll_after_seconds * 1000;
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        if (err instanceof PlatformProblemError && err.status === 409) {
          // The platform knows this box and will not hand it a token (already_enrolled: it needs a
          // reenroll token): enrollment refused (exit 4), not an identity that could not be found.
          throw new ExitError(EXIT.enrollmentRefused, `claim refused: ${err.message}`, err.problem);
        }
        if (!isRetryable(err)) throw err;
        const retryAfter = err instanceof PlatformProblemError ? err.retryAfterMs : undefined;
        delayMs = nextDelay(failures++, rng, retryAfter, opts.policy ?? DEFAULT_BACKOFF);
        log(`claim poll failed (${(err as Error).message}); retrying in ${delayMs} ms`);
      }
      await sleep(delayMs, opts.signal);
    }
  } finally {
    transport.close();
  }
}
