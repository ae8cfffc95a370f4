// The node's PKI on disk (spec/agent.md §0, §4.6): pki/ (0700) with node.key (PKCS#8, 0600),
// node.crt, ca-chain.crt, ca-bundle.crt and meta.json. Each file is written atomically; the key
// and certificate are written before meta.json so a crash never leaves meta pointing at nothing.
import { X509Certificate } from "node:crypto";
import { chmod, mkdir } from "node:fs/promises";
import { z } from "zod";
import { readOptional, writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
import type { StatePaths } from "./state-dir.ts";

export const PkiMeta = z.strictObject({
  instance_id: z.string(),
  mtls_subject: z.string(),
  certificate_id: z.string(),
  not_after: z.string(),
  platform_url: z.string(),
});
export type PkiMeta = z.infer<typeof PkiMeta>;

export interface NodePki {
  keyPem: string;
  certPem: string;
  caChainPem: string;
  /** The identity CA bundle: the only roots the client trusts for the platform. */
  caBundlePem: string;
  meta: PkiMeta;
}

export async function writePki(paths: StatePaths, pki: NodePki): Promise<void> {
  await mkdir(paths.pki, { recursive: true, mode: 0o700 });
  await chmod(paths.pki, 0o700);
  await writeFileAtomic(paths.nodeKey, pki.keyPem, 0o600);
  await writeFileAtomic(paths.nodeCrt, pki.certPem, 0o644);
  await writeFileAtomic(paths.caChain, pki.caChainPem, 0o644);
  await writeFileAtomic(paths.caBundle, pki.caBundlePem, 0o644);
  await writeJsonAtomic(paths.pkiMeta, pki.meta, 0o644);
}

/** The persisted PKI, or null when the node has never enrolled (or any part is missing). */
export async function readPki(paths: StatePaths): Promise<NodePki | null> {
  const [keyPem, certPem, caChainPem, caBundlePem, metaText] = await Promise.all(
    [paths.nodeKey, paths.nodeCrt, paths.caChain, paths.caBundle, paths.pkiMeta].map(readOptional),
  );
  if (!keyPem || !certPem || !caChainPem || !caBundlePem || !metaText) return null;
  return { keyPem, certPem, caChainPem, caBundlePem, meta: PkiMeta.parse(JSON.parse(metaText)) };
}

export interface CertificateState {
  subject: string;
  not_before: string;
  not_after: string;
  valid: boolean;
  seconds_left: number;
  /** 0–1: how much of the lifetime has passed (rotation at 0.75, spec/agent.md §7). */
  lifetime_used: number;
}

export function certificateState(certPem: string, now: Date): CertificateState {
  const cert = new X509Certificate(certPem);
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  const t = now.getTime();
  return {
    subject: cert.subject,
    not_before: new Date(from).toISOString(),
    not_after: new Date(to).toISOString(),
    valid: t >= from && t < to,
    seconds_left: Math.max(0, Math.floor((to - t) / 1000)),
    lifetime_used: to > from ? (t - from) / (to - from) : 1,
  };
}

/** Rotation is due at 75 % of the lifetime (day 67.5 of 90). */
export function rotationDue(state: CertificateState): boolean {
  return state.lifetime_used >= 0.75;
}
