// Test PKI: a CA, a TLS server certificate for 127.0.0.1/localhost, and client certificates
// signed by the same CA — enough to stand up a real mTLS listener in a test.
import { webcrypto } from "node:crypto";
import { type CryptoKey, type CryptoKeyPair, x509Lib } from "../x509.ts";

const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface TestPki {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** Issues a client certificate with `CN=<cn>` for the given public key. */
  issueClient(cn: string, publicKey: CryptoKey, notBefore?: Date, notAfter?: Date): Promise<string>;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trim()}\n-----END PRIVATE KEY-----\n`;
}

export async function createTestPki(): Promise<TestPki> {
  const x509 = x509Lib();
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Nodepilot Test CA",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    keys: caKeys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const serverKeys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=localhost",
    issuer: ca.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  let serial = 3;
  return {
    caPem: ca.toString("pem"),
    serverCertPem: server.toString("pem"),
    serverKeyPem: await keyPem(serverKeys.privateKey),
    async issueClient(cn, publicKey, notBefore = new Date(now - 60_000), notAfter = new Date(now + 86_400_000)) {
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, "0"),
        subject: `CN=${cn}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: EC,
        extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
      });
      return cert.toString("pem");
    },
  };
}
