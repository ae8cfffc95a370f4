// A node key pair and CSR exactly as the agent makes them (spec/agent.md §4: Ed25519, CN = the
// instance id), for in-process enrollment of simulated agents.
import "reflect-metadata";
import { KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

let bound = false;

export async function agentKeyAndCsr(instanceId: string): Promise<{ csrPem: string; keyPem: string }> {
  if (!bound) {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    bound = true;
  }
  const keys = (await webcrypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [instanceId] }],
    keys: keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]["keys"],
    signingAlgorithm: { name: "Ed25519" },
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ type: "pkcs8", format: "pem" }).toString();
  return { csrPem: csr.toString("pem"), keyPem };
}
