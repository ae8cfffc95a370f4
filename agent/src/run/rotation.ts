// Certificate rotation (spec/agent.md §7): a new Ed25519 key and a CSR with the same subject,
// POST /certificates/rotate under the current certificate, write node.key/node.crt atomically,
// then swap the client's credentials. Past 90 % of the lifetime a failing rotation is reported
// through the outbox as certificate.rotation_failing (high), at most hourly.
import { X509Certificate } from "node:crypto";
import type { PlatformClient } from "../client/platform-client.ts";
import type { AgentEventDraft } from "../outbox/outbox.ts";
import { type CertificateState, type NodePki, writePki } from "../state/pki.ts";
import type { StatePaths } from "../state/state-dir.ts";
import { createCsr, generateEd25519, privateKeyPem } from "../x509.ts";

/** The CN the certificate was issued for: rotation keeps the same subject. */
export function subjectCn(certPem: string): string {
  const subject = new X509Certificate(certPem).subject;
  const cn = subject.split("\n").find((l) => l.startsWith("CN="));
  if (!cn) throw new Error(`certificate subject has no CN: ${subject}`);
  return cn.slice(3);
}

export async function rotateCertificate(client: PlatformClient, paths: StatePaths, current: NodePki): Promise<NodePki> {
  const keys = await generateEd25519();
  const csr = await createCsr(subjectCn(current.certPem), keys);
  const reply = await client.rotate({ csr_pem: csr });
  const next: NodePki = {
    keyPem: await privateKeyPem(keys.privateKey),
    certPem: reply.certificate_pem,
    caChainPem: reply.ca_chain_pem,
    caBundlePem: current.caBundlePem,
    meta: {
      ...current.meta,
      mtls_subject: reply.mtls_subject,
      certificate_id: reply.certificate_id,
      not_after: reply.not_after,
    },
  };
  await writePki(paths, next);
  client.transport.setCredentials({ keyPem: next.keyPem, certPem: next.certPem });
  return next;
}

const FAILING_AT = 0.9;
const FAILING_EVERY_MS = 3600_000;

/** The certificate.rotation_failing event when one is due now, or null. */
export function rotationFailingEvent(
  state: CertificateState,
  certificateId: string,
  error: unknown,
  lastReportedAt: number | null,
  nowMs: number,
): AgentEventDraft | null {
  if (state.lifetime_used < FAILING_AT) return null;
  if (lastReportedAt !== null && nowMs - lastReportedAt < FAILING_EVERY_MS) return null;
  return {
    kind: "certificate.rotation_failing",
    severity: "high",
    payload: {
      certificate_id: certificateId,
      not_after: state.not_after,
      seconds_left: state.seconds_left,
      lifetime_used: Math.round(state.lifetime_used * 1000) / 1000,
      error: ((error as Error).message ?? String(error)).slice(0, 1000),
    },
  };
}
