// The autonomy gate as a LangGraph graph (spec/autonomy.md §3.5, DESIGN.md §3.7):
//   candidate_from_signal → screen → match_policy → adjust_by_learnings → consent_and_brakes
//     → external_pressure → decide ─┬─ proceed → apply
//               └─ pending → await_review ⏸ → execute
// Any step may end the decision (no binding, cooldown, refreshed request, block): it records the
// decision and the graph stops. `await_review` pauses on interrupt() with the approval card; the
// thread's checkpoint (Postgres) is what lets a restarted process resume it.
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, START, StateGraph } from "@langchain/langgraph";
import type { GateDeps } from "./gate-deps.ts";
import { applyStep, bindStep, brakesStep, decideStep, learningsStep, policyStep, screenStep } from "./gate-steps.ts";
import { pressureStep } from "./pressure-step.ts";
import { awaitReviewStep, executeStep } from "./review-steps.ts";
import { GateState, type GateStateValue } from "./state.ts";

const endedOr =
  <T extends string>(next: T) =>
  (state: GateStateValue): T | typeof END =>
    state.outcome ? END : next;

export function buildGateGraph(deps: GateDeps, checkpointer: BaseCheckpointSaver) {
  return new StateGraph(GateState)
    .addNode("candidate_from_signal", bindStep(deps))
    .addNode("screen", screenStep(deps))
    .addNode("match_policy", policyStep(deps))
    .addNode("adjust_by_learnings", learningsStep(deps))
    .addNode("consent_and_brakes", brakesStep(deps))
    .addNode("external_pressure", pressureStep(deps))
    .addNode("decide", decideStep(deps))
    .addNode("apply", applyStep(deps))
    .addNode("await_review", awaitReviewStep(deps))
    .addNode("execute", executeStep(deps))
    .addEdge(START, "candidate_from_signal")
    .addConditionalEdges("candidate_from_signal", endedOr("screen"), ["screen", END])
    .addConditionalEdges("screen", endedOr("match_policy"), ["match_policy", END])
    .addConditionalEdges("match_policy", endedOr("adjust_by_learnings"), ["adjust_by_learnings", END])
    .addEdge("adjust_by_learnings", "consent_and_brakes")
    .addEdge("consent_and_brakes", "external_pressure")
    .addConditionalEdges("external_pressure", endedOr("decide"), ["decide", END])
    .addConditionalEdges(
      "decide",
      (state) => {
        const o = state.outcome;
        if (o?.decision === "proceed") return "apply";
        // A request this thread owns waits here; a refreshed one belongs to another thread.
        if (o?.decision === "pending" && o.approval_request_id) return "await_review";
        return END;
      },
      ["apply", "await_review", END],
    )
    .addEdge("apply", END)
    .addEdge("await_review", "execute")
    .addEdge("execute", END)
    .compile({ checkpointer, name: "autonomy_gate" });
}

export type GateGraph = ReturnType<typeof buildGateGraph>;
