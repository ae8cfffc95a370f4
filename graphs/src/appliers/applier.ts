// What an applier is (spec/autonomy.md §3.8): the code that turns a proceed or approved decision
// into work — tasks, catalog operations or a record — for one action category. Appliers act
// through the catalog as the account's Fleet Autonomy agent, passing the decision's idempotency
// key on, so that running one twice (a retry, a resumed approval) acts once.
import type { Catalog, Principal, Services } from "@nodepilot/core";
import type { ActionPayload } from "@nodepilot/store";

export interface ApplierContext {
  services: Services;
  catalog: Catalog;
  /** The autonomy agent acting (actorType agent), scoped to what appliers call. */
  principal: Principal;
  now: Date;
  correlationId: string;
}

export interface ApplyInput {
  action: ActionPayload;
  /** The remediation's idempotency key; also every task's and catalog call's. */
  key: string;
  /** A human approved this exact action (no throttle, no budget, skills real). */
  approved: boolean;
  signalKind: string | null;
  fingerprint: string | null;
}

export type ApplyOutcome =
  | { status: "applied"; task_ids: string[]; result: Record<string, unknown>; scored: boolean }
  | { status: "refused"; reason: string; result?: Record<string, unknown> };

export interface Applier {
  name: string;
  categories: readonly string[];
  /** Catalog operations it calls; the autonomy principal gets exactly their scopes. */
  operations: readonly string[];
  apply(ctx: ApplierContext, input: ApplyInput): Promise<ApplyOutcome>;
}

export const refused = (reason: string, result?: Record<string, unknown>): ApplyOutcome =>
  result ? { status: "refused", reason, result } : { status: "refused", reason };
