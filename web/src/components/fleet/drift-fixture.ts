// A drift item as drift.list returns it (server/src/rest/drift.test.ts shows real ones), for the
// tests of the queue's pure parts.
import type { DriftItem } from "./drift-items";

export const I1 = "0190a000-0000-7000-8000-000000000001";
export const I2 = "0190a000-0000-7000-8000-000000000002";
export const M1 = "0190c000-0000-7000-8000-000000000001";
export const M2 = "0190c000-0000-7000-8000-000000000002";

export const driftItem = (over: Partial<DriftItem> = {}): DriftItem => ({
  id: "item-1",
  kind: "fleet.module_drift",
  fingerprint: `module_drift:${I1}`,
  episode: 1,
  subject: { type: "instance", id: I1, name: "web-1-a" },
  instance_id: I1,
  instance_ids: [I1],
  node_id: null,
  severity: "medium",
  summary: "0 missing · 1 extra · 0 mismatched",
  comparisons: [{ label: "module", module_id: M1, expected: "not assigned", actual: `sha256:${"e".repeat(64)}` }],
  unlisted_comparisons: 0,
  first_detected_at: "2025-03-10T09:00:00.000Z",
  last_seen_at: "2025-03-10T11:59:00.000Z",
  cleared_at: null,
  status: "open",
  snoozed_until: null,
  reason: null,
  decided_by: null,
  assignee: null,
  suggested_remediation: {
    operation: "drift.remediate",
    input: { ids: ["x"] },
    label: "Sync modules on instance web-1-a (a sync_modules task)",
    action_category: "module.sync",
  },
  remediation: null,
  ...over,
});
