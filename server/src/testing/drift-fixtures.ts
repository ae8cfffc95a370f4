// Drift conditions for the browser tests of the drift queue (web/e2e/drift.e2e.test.ts), written to
// the store the way the sensors find them in a real fleet: a running instance reporting a module its
// node is not assigned (module drift), a storage assignment stuck failed (storage assignment drift),
// and the fixture clock of a snooze (its end moved). The web workspace reaches the store only over
// HTTP, so these live here, beside the test harness.
import { approval_requests, fleet_drift_items, node_instances, storage_assignments } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { TestFleet } from "./harness.ts";

const db = (f: TestFleet) => f.runtime.database.db;

export async function renameInstance(f: TestFleet, instanceId: string, name: string): Promise<void> {
  await db(f).update(node_instances).set({ name }).where(eq(node_instances.id, instanceId));
}

/** What the instance reports running: `{ moduleId: digest }`; `{}` ends its module drift. */
export async function reportRunningModules(
  f: TestFleet,
  instanceId: string,
  running: Record<string, string>,
): Promise<void> {
  await db(f).update(node_instances).set({ running_module_digests: running }).where(eq(node_instances.id, instanceId));
}

/** A mount on the instance that its reconciler reported failed. */
export async function failStorageAssignment(f: TestFleet, instanceId: string): Promise<void> {
  await db(f).insert(storage_assignments).values({
    account_id: f.runtime.accountId,
    node_instance_id: instanceId,
    kind: "mount",
    target: "/data",
    status: "failed",
  });
}

/** The fixture clock of a snooze: the condition's current decision becomes a snooze ending at `until`. */
export async function snoozeUntil(f: TestFleet, fingerprint: string, until: Date): Promise<void> {
  await db(f)
    .update(fleet_drift_items)
    .set({ status: "snoozed", snoozed_until: until })
    .where(and(eq(fleet_drift_items.account_id, f.runtime.accountId), eq(fleet_drift_items.fingerprint, fingerprint)));
}

/** The account's pending approval requests under one action category. */
export function pendingApprovals(f: TestFleet, category: string) {
  return db(f)
    .select()
    .from(approval_requests)
    .where(
      and(
        eq(approval_requests.account_id, f.runtime.accountId),
        eq(approval_requests.status, "pending"),
        eq(approval_requests.action_category, category),
      ),
    );
}
