// Enrollment (spec/agent.md §4): a fresh Ed25519 key that never leaves the node, a CSR with
// CN = instance_id, one POST over TLS without a client certificate, then pki/ written
// atomically. Refusals (400, 401, 409) end with exit 4 and are never retried with the token.
import { hostname } from "node:os";
import type { EnrollResponse, IdentityRecord } from "@nodepilot/core/agent-protocol";
import { PlatformProblemError } from "./client/errors.ts";
import { PlatformClient } from "./client/platform-client.ts";
import { type RetryOptions, withRetry } from "./client/retry.ts";
import { EXIT, ExitError } from "./exit-codes.ts";
import { writeJsonAtomic } from "./state/atomic.ts";
import { certificateState, type NodePki, readPki, writePki } from "./state/pki.ts";
import type { StatePaths } from "./state/state-dir.ts";
import { AGENT_VERSION } from "./version.ts";
import { createCsr, generateEd25519, privateKeyPem } from "./x509.ts";

export interface EnrollOptions {
  identity: IdentityRecord;
  paths: StatePaths;
  /** Re-enroll even when a valid PKI exists. */
  force?: boolean;
  retry?: RetryOptions;
  now?: () => Date;
}

export interface EnrollOutcome {
  pki: NodePki;
  config: EnrollResponse["config"];
}

export async function enroll(opts: EnrollOptions): Promise<EnrollOutcome> {
  const now = opts.now ?? (() => new Date());
  const { identity, paths } = opts;
  const existing = await readPki(paths);
  if (existing && !opts.force && certificateState(existing.certPem, now()).valid) {
    throw new ExitError(
      EXIT.error,
      `a valid certificate for ${existing.meta.mtls_subject} exists; use --force to re-enroll`,
    );
  }
  if (!identity.bootstrap_token) {
    throw new ExitError(
      EXIT.enrollmentRefused,
      `identity from ${identity.source} has no bootstrap token; issue one with instance.issue_bootstrap_token`,
    );
  }
  const token = identity.bootstrap_token;
  const keys = await generateEd25519();
  const csrPem = await createCsr(identity.instance_id, keys);
  const client = new PlatformClient({
    platformUrl: identity.platform_url,
    caBundlePem: identity.ca_bundle_pem,
    agentVersion: AGENT_VERSION,
  });
  let reply: EnrollResponse;
  try {
    reply = await withRetry(
      () =>
        client.enroll({
          bootstrap_token: token,
          csr_pem: csrPem,
          identity: {
            instance_id: identity.instance_id,
            source: identity.source,
            architecture: identity.architecture,
            agent_version: AGENT_VERSION,
            hostname: hostname().slice(0, 253) || "localhost",
          },
        }),
      opts.retry,
    );
  } catch (err) {
    if (err instanceof PlatformProblemError && [400, 401, 403, 409].includes(err.status)) {
      throw new ExitError(EXIT.enrollmentRefused, `enrollment refused: ${err.message}`, err.problem);
    }
    throw err;
  } finally {
    client.close();
  }
  const pki: NodePki = {
    keyPem: await privateKeyPem(keys.privateKey),
    certPem: reply.certificate_pem,
    caChainPem: reply.ca_chain_pem,
    caBundlePem: identity.ca_bundle_pem,
    meta: {
      instance_id: reply.instance_id,
      mtls_subject: reply.mtls_subject,
      certificate_id: reply.certificate_id,
      not_after: reply.not_after,
      platform_url: identity.platform_url,
    },
  };
  await writePki(paths, pki);
  await writeJsonAtomic(paths.config, reply.config, 0o644);
  return { pki, config: reply.config };
}
