// Evolution (spec/autonomy.md §5.5): after a polar learning is written, a cluster of ≥ evolution_threshold
// similar learnings of the same category and polarity, touched in the last 30 days, proposes a policy
// change for a human to accept or dismiss. This never changes a policy itself.
import { learnings, policy_proposals, type Tx } from "@nodepilot/store";
import { and, desc, eq, gte, sql } from "drizzle-orm";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import type { PolicyLevel } from "./influence.ts";
import { type SimilarLearning, similarLearnings } from "./similar.ts";
import type { LearningsIndex } from "./vector-index.ts";

export interface ProposeInput {
  learningId: string;
  /** The owner agent's effective policy for the learning's action category (§3.2, resolved by the caller). */
  effectivePolicy: PolicyLevel;
  /** §3.9 flag N: the category is never proposed for loosening. */
  neverLoosen: boolean;
  /** The category is backed by a skill (an ineffective cluster then suggests skill.refine). */
  skillBacked?: boolean;
  evolutionThreshold?: number;
  similarityThreshold?: number;
}

export interface ProposeOutcome {
  direction: "tighten" | "loosen" | null;
  proposal_id: string | null;
  /** False when an open proposal for (category, direction) already existed and was refreshed. */
  created: boolean;
  /** An ineffective cluster on a skill-backed category: the caller submits skill.refine through the gate. */
  skill_refine: boolean;
  cluster_ids: string[];
  reason: "proposed" | "refreshed" | "neutral" | "cluster_too_small" | "no_direction" | "muted_after_dismissal";
}

const DAY = 86400_000;
const STRICTER: Partial<Record<PolicyLevel, PolicyLevel>> = {
  auto_approve: "notify_and_proceed",
  notify_and_proceed: "require_approval",
};

/** The pure part: which direction a cluster points, given the effective policy. */
export function proposalDirection(input: {
  polarity: "confirmed" | "rejected";
  source: string;
  effectivePolicy: PolicyLevel;
  neverLoosen: boolean;
  recentRejected: boolean;
}): { direction: "tighten" | "loosen"; to: PolicyLevel } | null {
  if (input.polarity === "rejected") {
    const to = STRICTER[input.effectivePolicy];
    return to ? { direction: "tighten", to } : null;
  }
  // Loosen only from RA, only to NP (never AA directly; never out of block), only on human approvals.
  if (
    input.source === "approval_outcome" &&
    input.effectivePolicy === "require_approval" &&
    !input.recentRejected &&
    !input.neverLoosen
  ) {
    return { direction: "loosen", to: "notify_and_proceed" };
  }
  return null;
}

export async function proposePolicyChange(
  tx: Tx,
  origin: EventOrigin,
  index: LearningsIndex,
  input: ProposeInput,
): Promise<ProposeOutcome> {
  const accountId = origin.principal.accountId;
  const now = origin.now;
  const [l] = await tx
    .select()
    .from(learnings)
    .where(and(eq(learnings.account_id, accountId), eq(learnings.id, input.learningId)));
  if (!l) throw new Error(`learning ${input.learningId} not found in account ${accountId}`);
  const none = (reason: ProposeOutcome["reason"], cluster_ids: string[] = []): ProposeOutcome => ({
    direction: null,
    proposal_id: null,
    created: false,
    skill_refine: false,
    cluster_ids,
    reason,
  });
  if (l.polarity === "neutral") return none("neutral");
  const since = new Date(now.getTime() - 30 * DAY);
  const similar = await similarLearnings(tx, index, {
    accountId,
    situation_text: l.situation_text,
    category: l.source === "attribution_feedback" ? "attribution" : l.action_category,
    threshold: input.similarityThreshold ?? 0.85,
    limit: 100,
    ...(l.embedding && l.embedding_model === index.embedder.model ? { vector: l.embedding } : {}),
  });
  const recent = (x: SimilarLearning) => x.last_reinforced_at >= since;
  // same category (the learning kind) and polarity: load the kinds of the similar rows
  const ids = similar.learnings.filter(recent).map((x) => x.id);
  const kinds =
    ids.length === 0
      ? []
      : await tx
          .select({
            id: learnings.id,
            category: learnings.category,
            polarity: learnings.polarity,
            source: learnings.source,
          })
          .from(learnings)
          .where(and(eq(learnings.account_id, accountId), sql`${learnings.id} = ANY(${`{${ids.join(",")}}`}::uuid[])`));
  const cluster = new Set([l.id]);
  for (const k of kinds) if (k.category === l.category && k.polarity === l.polarity) cluster.add(k.id);
  const clusterIds = [...cluster].sort();
  const threshold = input.evolutionThreshold ?? 3;
  if (clusterIds.length < threshold) return none("cluster_too_small", clusterIds);

  const recentRejected = kinds.some((k) => k.polarity === "rejected");
  const skillRefine = l.polarity === "rejected" && l.category === "failure_mode" && input.skillBacked === true;
  const dir = proposalDirection({
    polarity: l.polarity,
    source: l.source,
    effectivePolicy: input.effectivePolicy,
    neverLoosen: input.neverLoosen,
    recentRejected,
  });
  if (!dir) return { ...none("no_direction", clusterIds), skill_refine: skillRefine };

  // A dismissal mutes the pair for 7 days unless 3 learnings it did not see joined the cluster.
  const [dismissed] = await tx
    .select({ evidence: policy_proposals.evidence_learning_ids })
    .from(policy_proposals)
    .where(
      and(
        eq(policy_proposals.account_id, accountId),
        eq(policy_proposals.action_category, l.action_category),
        eq(policy_proposals.direction, dir.direction),
        eq(policy_proposals.status, "dismissed"),
        gte(policy_proposals.decided_at, new Date(now.getTime() - 7 * DAY)),
      ),
    )
    .orderBy(desc(policy_proposals.decided_at))
    .limit(1);
  if (dismissed && clusterIds.filter((id) => !dismissed.evidence.includes(id)).length < 3) {
    return { ...none("muted_after_dismissal", clusterIds), skill_refine: skillRefine };
  }

  const rationale =
    `${clusterIds.length} ${l.polarity} learnings (${l.category}) of similar situations in 30 days for ` +
    `${l.action_category}: propose ${input.effectivePolicy} → ${dir.to}`;
  const [created] = await tx
    .insert(policy_proposals)
    .values({
      account_id: accountId,
      action_category: l.action_category,
      direction: dir.direction,
      from_policy: input.effectivePolicy,
      to_policy: dir.to,
      evidence_learning_ids: clusterIds,
      rationale,
      expires_at: new Date(now.getTime() + 14 * DAY),
    })
    .onConflictDoNothing({
      target: [policy_proposals.account_id, policy_proposals.action_category, policy_proposals.direction],
      where: sql`status = 'open'`,
    })
    .returning({ id: policy_proposals.id });
  if (created) {
    await emitEvent(tx, origin, {
      kind: "autonomy.policy_proposed",
      severity: "medium",
      subject_type: "policy_proposal",
      subject_id: created.id,
      payload: {
        proposal_id: created.id,
        action_category: l.action_category,
        direction: dir.direction,
        from_policy: input.effectivePolicy,
        to_policy: dir.to,
        evidence_learning_ids: clusterIds,
      },
    });
    return {
      direction: dir.direction,
      proposal_id: created.id,
      created: true,
      skill_refine: skillRefine,
      cluster_ids: clusterIds,
      reason: "proposed",
    };
  }
  // ≤ 1 open per (category, direction): the open one gains the new evidence.
  const [open] = await tx
    .update(policy_proposals)
    .set({
      evidence_learning_ids: sql`ARRAY(SELECT DISTINCT e FROM unnest(${policy_proposals.evidence_learning_ids} || ${`{${clusterIds.join(",")}}`}::uuid[]) AS e ORDER BY e)`,
      updated_at: now,
    })
    .where(
      and(
        eq(policy_proposals.account_id, accountId),
        eq(policy_proposals.action_category, l.action_category),
        eq(policy_proposals.direction, dir.direction),
        eq(policy_proposals.status, "open"),
      ),
    )
    .returning({ id: policy_proposals.id });
  return {
    direction: dir.direction,
    proposal_id: open?.id ?? null,
    created: false,
    skill_refine: skillRefine,
    cluster_ids: clusterIds,
    reason: "refreshed",
  };
}
