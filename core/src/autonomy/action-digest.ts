// The digest an approval is bound to (spec/autonomy.md §3.4): hex SHA-256 of the canonical JSON of
// the action-defining fields only, so a volatile reading never changes it and an edit always does.
import { createHash } from "node:crypto";
import type { ActionPayload } from "@nodepilot/store";
import { canonicalJson } from "../lib/canonical-json.ts";

export function actionDigest(payload: ActionPayload): string {
  const { account_id, action_category, target, params } = payload;
  const defining = { account_id, action_category, target: { type: target.type, id: target.id }, params };
  return createHash("sha256").update(canonicalJson(defining)).digest("hex");
}
