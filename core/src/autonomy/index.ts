// The autonomy gate's building blocks, free of any graph concept: categories, policy resolution,
// action digests, approvals, consent budgets, the decision log and the per-account seed.
export { actionDigest } from "./action-digest.ts";
export {
  type AiCall,
  type AiCallResult,
  blockedCallError,
  type GatedCall,
  gateAiCall,
  type PendingCall,
  pendingCallOf,
  runAiCall,
} from "./ai-call.ts";
export {
  type ApprovalRequestRow,
  type CreateApprovalInput,
  type CreateApprovalResult,
  createApprovalRequest,
  decideApproval,
  expireOverdueApprovals,
  rejectionCooldownUntil,
} from "./approvals.ts";
export { executeApprovedCalls } from "./approved-calls.ts";
export { BINDINGS, type Binding, type BindingInput, bindSignal, unregisteredBindings } from "./bindings.ts";
export {
  BREAKER_BAD_RATIO,
  BREAKER_MIN_SCORED,
  BREAKER_WINDOW_SECONDS,
  breakerOpen,
  breakerTrips,
  closeBreaker,
} from "./breakers.ts";
export {
  CALL_REQUEST_SOURCE,
  type CallGateOutcome,
  type CallLevel,
  type CallSurface,
  callAction,
  callDefaultLevel,
  callEventSource,
  gateCall,
  resolveCallLevel,
} from "./call-gate.ts";
export { ACTION_CATEGORIES, type ActionCategory, CATEGORY_NAMES, dedupKeyOf, findCategory } from "./categories.ts";
export {
  type ConsentBudget,
  type ConsumeResult,
  consentBudgetOf,
  consumeConsentBudget,
  findExhaustedBudget,
} from "./consent-budget.ts";
export { type Decision, type RecordDecisionInput, recordDecision } from "./decisions.ts";
export {
  type EffectiveLevel,
  effectiveLevel,
  type PolicyActor,
  type PolicyRow,
  type Resolution,
  raise,
  resolvePolicy,
  strictness,
  TRUST_TIER_ORDER,
  type TrustTier,
} from "./policy.ts";
export { loadPolicyRows } from "./policy-rows.ts";
export { AUTONOMY_AGENT_NAME, loadAutonomyAgent, SEEDED_CHAIN, seedAutonomy } from "./seed.ts";
