// The internal PKI: account CAs, node client certificates, their verification and revocation,
// and the agent listener's server certificate.
export { type AccountCa, accountCaSubject, ensureAccountCa } from "./account-ca.ts";
export { type CheckedCsr, checkCsr } from "./csr.ts";
export {
  CLIENT_CERT_DAYS,
  type IssueClientCertificateInput,
  type IssuedCertificate,
  instanceSan,
  instanceSubject,
  issueClientCertificate,
} from "./issue.ts";
export { AGENT_SERVER_CA_SUBJECT, type AgentServerTls, agentServerNames, ensureAgentServerTls } from "./server-tls.ts";
export {
  type AccountCrl,
  type CertificateRejection,
  type CrlEntry,
  certificateRejected,
  crlFor,
  type RevokeCertificateInput,
  type RevokedCertificate,
  revokeCertificate,
  SUPERSEDED_GRACE_MS,
  type VerifiedClient,
  verifyClientCertificate,
} from "./verify.ts";
export { loadX509, type X509Lib } from "./x509.ts";
