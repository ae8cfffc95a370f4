// One compliance snapshot end to end: read the state in its own REPEATABLE READ, READ ONLY
// transaction, compose the document, then append it to the chain in a write transaction. The two
// cannot be one transaction: a repeatable-read snapshot is taken at its first statement, before the
// chain's advisory lock could be waited for, and would not see a snapshot committed meanwhile.
// Catalog callers run the read in the operation's prepare step and the append in its execute.
import type { Database, Db } from "@nodepilot/store";
import type { EventOrigin } from "../events/emit.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { type AppendedSnapshot, appendSnapshot } from "./chain.ts";
import { composeDocument, type DocumentBody, periodEnding } from "./document.ts";
import { readComplianceState } from "./state.ts";

export type SnapshotKind = "daily" | "on_demand";

/** Everything but the chain's integrity section, as of `now`. */
export async function readSnapshotBody(
  db: Db,
  accountId: string,
  kind: SnapshotKind,
  now: Date,
  buildSha: string | undefined,
): Promise<DocumentBody> {
  const state = await readComplianceState(db, accountId, now, periodEnding(now));
  return composeDocument(state, { kind, generatedAt: now, generatorVersion: buildSha ?? "unknown" });
}

export interface SnapshotDeps {
  database: Database;
  secrets: SecretBox | undefined;
  buildSha: string | undefined;
}

/** Reads, composes and appends one snapshot of `origin`'s account; `origin.now` is its generated_at. */
export async function createComplianceSnapshot(
  deps: SnapshotDeps,
  origin: EventOrigin,
  opts: { kind: SnapshotKind; generatedBy: string },
): Promise<AppendedSnapshot> {
  const { db } = deps.database;
  const body = await readSnapshotBody(db, origin.principal.accountId, opts.kind, origin.now, deps.buildSha);
  return db.transaction((tx) =>
    appendSnapshot(tx, origin, { body, kind: opts.kind, generatedBy: opts.generatedBy, secrets: deps.secrets }),
  );
}
