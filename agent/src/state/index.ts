// The state directory: atomic files, PKI layout, the task journal and its recovery planner.
export { readOptional, writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
export { type JournalEntry, type JournalOutcome, TaskJournal } from "./journal.ts";
export {
  type CertificateState,
  certificateState,
  type NodePki,
  type PkiMeta,
  readPki,
  rotationDue,
  writePki,
} from "./pki.ts";
export { planRecovery, type RecoveryAction, type ServerTaskView } from "./recovery.ts";
export { resolveStateDir, type StatePaths, statePaths } from "./state-dir.ts";
