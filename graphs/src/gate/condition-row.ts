// The WHERE clause of one condition's row (fleet_signal_states, PK account + kind + fingerprint),
// shared by every step that reads or moves a condition's counters.
import { fleet_signal_states } from "@nodepilot/store";
import { and, eq, type SQL } from "drizzle-orm";

export const conditionRow = (accountId: string, kind: string, fingerprint: string): SQL =>
  and(
    eq(fleet_signal_states.account_id, accountId),
    eq(fleet_signal_states.kind, kind),
    eq(fleet_signal_states.fingerprint, fingerprint),
  )!;
