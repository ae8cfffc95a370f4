// Evolution after a polar learning (spec/autonomy.md §5.5): the learning's cluster may propose a
// policy change for a human to accept or dismiss — never a change by itself. The owner agent's
// effective policy for the category decides the direction (tighten from AA/NP, loosen RA → NP).
import {
  type EventOrigin,
  findCategory,
  type LearningsIndex,
  loadPolicyRows,
  type ProposeOutcome,
  proposePolicyChange,
  type RecordedLearning,
  resolvePolicy,
  type TrustTier,
} from "@nodepilot/core";
import type { Tx } from "@nodepilot/store";

export interface EvolveInput {
  learning: RecordedLearning;
  category: string;
  agentId: string;
  trustTier: string;
  evolutionThreshold: number;
  similarityThreshold: number;
}

export async function proposeFromLearning(
  tx: Tx,
  origin: EventOrigin,
  index: LearningsIndex,
  input: EvolveInput,
): Promise<ProposeOutcome | null> {
  if (input.learning.polarity === "neutral") return null;
  const category = findCategory(input.category);
  if (!category) return null;
  const rows = await loadPolicyRows(tx, origin.principal.accountId, category.name);
  const policy = resolvePolicy(rows, {
    category: category.name,
    actor: { type: "agent", agent_id: input.agentId, trust_tier: input.trustTier as TrustTier },
    now: origin.now,
  });
  return proposePolicyChange(tx, { ...origin, source: "learning" }, index, {
    learningId: input.learning.id,
    effectivePolicy: policy.level,
    neverLoosen: category.flags.neverLoosen,
    evolutionThreshold: input.evolutionThreshold,
    similarityThreshold: input.similarityThreshold,
  });
}
