// Parses and checks a node's PKCS#10 request (spec/agent.md §4): a valid self-signature, an
// Ed25519 key, and nothing requested beyond the subject, since the server sets every extension.
import type { Pkcs10CertificateRequest } from "@peculiar/x509";
import { invalidInput } from "../errors.ts";
import { loadX509 } from "./x509.ts";

const MAX_CSR_CHARS = 16_384;

export interface CheckedCsr {
  csr: Pkcs10CertificateRequest;
  /** The single CN of the subject. */
  commonName: string;
}

const refuse = (message: string) => invalidInput(`csr_pem: ${message}`, [{ path: "csr_pem", message }]);

/** Throws invalid_input naming `csr_pem` unless the CSR is well-formed, self-signed and Ed25519. */
export async function checkCsr(csrPem: string): Promise<CheckedCsr> {
  if (csrPem.length > MAX_CSR_CHARS) throw refuse(`must be at most ${MAX_CSR_CHARS} characters`);
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csrPem)) {
    throw refuse("must be a PEM-encoded PKCS#10 certificate request");
  }
  const x509 = await loadX509();
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw refuse("is not a parsable PKCS#10 certificate request");
  }
  const algorithm = csr.publicKey.algorithm.name;
  if (algorithm !== "Ed25519") throw refuse(`the key must be Ed25519, not ${algorithm}`);
  let signed = false;
  try {
    signed = await csr.verify();
  } catch {
    signed = false;
  }
  if (!signed) throw refuse("the self-signature does not verify");
  if (csr.extensions.length > 0 || csr.attributes.length > 0) {
    throw refuse("must not request extensions or attributes; the server sets them");
  }
  const names = csr.subjectName.toJSON();
  const cns = csr.subjectName.getField("CN");
  const onlyCn = names.length === 1 && Object.keys(names[0] ?? {}).length === 1 && cns.length === 1;
  if (!onlyCn || !cns[0]) throw refuse("the subject must be exactly one CN (the instance id)");
  return { csr, commonName: cns[0] };
}
