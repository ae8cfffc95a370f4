// Compliance snapshots (spec/autonomy.md §7): the audit document, its hash chain, verification and
// retention. The catalog operations are in operations/compliance-snapshot.ts; the daily job in server.
export { type AppendedSnapshot, type ChainVerification, verifyChain } from "./chain.ts";
export { createComplianceSnapshot, type SnapshotDeps, type SnapshotKind } from "./create.ts";
export {
  COMPLIANCE_SCHEMA_VERSION,
  type ComplianceDocument,
  ComplianceDocumentSchema,
  documentHashOf,
  ZERO_HASH,
} from "./document.ts";
export { type PruneResult, pruneComplianceSnapshots } from "./retention.ts";
