// Loads @peculiar/x509 on first use with Node's WebCrypto as its provider, plus the small key and
// PEM helpers the PKI modules share. Loading lazily keeps imports free of side effects: the
// library needs a global Reflect polyfill and a process-wide crypto provider.
import { createHash, webcrypto } from "node:crypto";
import type * as X509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type X509Lib = typeof X509;

let loading: Promise<X509Lib> | undefined;

export function loadX509(): Promise<X509Lib> {
  loading ??= (async () => {
    await import("reflect-metadata");
    const lib = await import("@peculiar/x509");
    // Node's webcrypto is the standard Crypto interface; the types differ only in DOM-lib naming.
    lib.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof lib.cryptoProvider.get>);
    return lib;
  })();
  return loading;
}

/** ECDSA P-256 with SHA-256: the algorithm of every key Nodepilot itself holds (CAs, listener). */
export const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export async function generateEcKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"])) as CryptoKeyPair;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

export async function importEcSigningKey(pem: string): Promise<CryptoKey> {
  const x509 = await loadX509();
  const der = x509.PemConverter.decodeFirst(pem);
  return (await webcrypto.subtle.importKey("pkcs8", der, EC_P256, false, ["sign"])) as CryptoKey;
}

/** A random positive 128-bit serial as lower-case hex; the top bit is cleared and the first byte non-zero. */
export function randomSerialHex(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

export const sha256HexOf = (data: ArrayBuffer | Uint8Array): string =>
  createHash("sha256").update(new Uint8Array(data)).digest("hex");

/** DER bytes of a certificate given as DER or PEM (the first block of a PEM bundle). */
export async function certificateDer(input: Buffer | string): Promise<Uint8Array> {
  if (typeof input !== "string") return new Uint8Array(input);
  const x509 = await loadX509();
  return new Uint8Array(x509.PemConverter.decodeFirst(input));
}

export const addDays = (d: Date, days: number): Date => new Date(d.getTime() + days * 86_400_000);
