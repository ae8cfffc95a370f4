// Certificate rotation (spec/agent.md §7): a new Ed25519 key and a CSR with the same subject,
// POST /certificates/rotate under the current certificate, write node.key/node.crt atomically,
// then swap the client's credentials.
import { X509Certificate } from "node:crypto";
import type { PlatformClient } from "../client/platform-client.ts";
import { type NodePki, writePki } from "../state/pki.ts";
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
