// Module delivery to agents (spec/agent.md §8, domain.md §2.4): the snapshot loader, the pure
// planner, the revision shared with the heartbeat (and its store), and the account delivery keys.
export {
  type DeliveryKey,
  deliveryKeyId,
  ensureDeliveryKey,
  listDeliveryKeys,
  signDeliveryStatement,
} from "./delivery-keys.ts";
export { loadDeliverySnapshot } from "./load-snapshot.ts";
export { type DeliveryPlan, type PlannedModule, planDelivery, type WithheldModule } from "./plan.ts";
export { assignmentsBody } from "./response.ts";
export { revisionDigest, revisionInputs, revisionOf, revisionSource } from "./revision.ts";
export {
  assignmentsRevisions,
  type DeliveryRevision,
  deliveryRevisionCtes,
  type RevisionTarget,
  storeDeliveryRevision,
} from "./revision-store.ts";
export { listSigningKeys } from "./signing-keys.ts";
export type { DeliverySnapshot } from "./snapshot.ts";
