// The LangGraph graphs (DESIGN.md §2): the autonomy gate with its appliers, the checkpointer
// wiring that keeps paused approvals in Postgres, and the concierge's models and chat tools.
export { APPLIERS, applierFor, categoriesWithoutApplier } from "./appliers/registry.ts";
export * from "./concierge/index.ts";
export { type AutonomyGate, createAutonomyGate, type GateDecision, type ResumeSummary } from "./gate/autonomy-gate.ts";
export { CHECKPOINT_SCHEMA, openCheckpointer } from "./gate/checkpointer.ts";
export type { GateDeps } from "./gate/gate-deps.ts";
export { type ApprovalCard, ReviewResume } from "./gate/review.ts";
export { type GateCondition, GateSettings, type GateSignal, type GateTick } from "./gate/signal.ts";
export { updateBreakers } from "./outcomes/breakers.ts";
export { type ValidationSummary, validateRemediations } from "./outcomes/validate-remediations.ts";
