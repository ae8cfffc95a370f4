// @peculiar/x509 bound to Node's WebCrypto. The library needs the reflect-metadata polyfill
// loaded before it; the provider is set on first use rather than at import.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

let bound = false;

export function x509Lib(): typeof x509 {
  if (!bound) {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    bound = true;
  }
  return x509;
}

export const ED25519 = { name: "Ed25519" } as const;

/** A fresh Ed25519 key pair (extractable: the private key is written to node.key). */
export async function generateEd25519(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
}

/** PKCS#8 PEM of a private key. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const b64 = der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trim();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/** PKCS#10 CSR with `CN=<subject>` and no requested extensions (the server sets them all). */
export async function createCsr(subject: string, keys: CryptoKeyPair): Promise<string> {
  const lib = x509Lib();
  const csr = await lib.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [subject] }],
    keys,
    signingAlgorithm: ED25519,
  });
  return csr.toString("pem");
}
