// Failure attribution as operations (spec/autonomy.md §5.2, §5.4): rank the modules whose recent
// changes most likely broke an instance, and record an operator's confirmation or rejection of a
// suspect as a learning that boosts or damps the same suspect in later analyses.
import { fleet_events, node_modules } from "@nodepilot/store";
import { and, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import {
  FEEDBACK_EVENT_KINDS,
  findInstance,
  gatherEvidence,
  gatherFacts,
  latestPromotionStamp,
} from "../attribution/gather.ts";
import { CANDIDATE_KINDS, type CandidateKind, candidateSituations, rankAttribution } from "../attribution/rank.ts";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { AppError, conflict } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { recordLearning } from "../learnings/record.ts";
import { attributionSituationText } from "../learnings/situation.ts";
import type { LearningsIndex } from "../learnings/vector-index.ts";
import { Timestamp, Uuid } from "../schemas/common.ts";
import { loadAutonomySettings } from "./autonomy-settings.ts";

const CandidateKindSchema = z.enum(CANDIDATE_KINDS);

const FeedbackSchema = z.strictObject({
  learning_id: Uuid,
  confirmed: z.boolean(),
  at: Timestamp,
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  note: z.string().nullable(),
  instance_id: Uuid,
});

const CandidateSchema = z.strictObject({
  kind: CandidateKindSchema,
  module_id: Uuid,
  module_name: z.string(),
  score: z.number().int().describe("After the adjustment for earlier feedback."),
  base_score: z.number().int(),
  reasons: z.array(z.string()).max(4),
  adjustment: z.enum(["boosted_by_prior_confirmation", "downweighted_by_prior_rejection"]).nullable(),
  feedback: z
    .array(FeedbackSchema)
    .max(5)
    .describe("The latest feedback on this suspect in the account, newest first."),
});

const AnalysisSchema = z.strictObject({
  instance_id: Uuid,
  lookback_hours: z.number().int(),
  cutoff: Timestamp,
  candidates: z.array(CandidateSchema).max(10),
  top_candidate: CandidateSchema.nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  reasoning: z.string(),
  matched_learning_ids: z.array(Uuid),
  degraded: z.enum(["embedding_unavailable", "search_failed"]).nullable(),
});

/**
 * A process built without a learnings index (no embedder) still honours exact matches: the
 * embedder refuses, similar() reports embedding_unavailable and falls back to same-situation rows.
 */
const exactOnlyIndex: LearningsIndex = {
  mode: "exact",
  embedder: {
    model: "unavailable",
    dimensions: 0,
    embed: () => Promise.reject(new Error("no embedder in this process")),
  },
};

export const attributionAnalyze = defineOperation({
  name: "attribution.analyze",
  title: "Analyze the cause of an instance failure",
  description:
    "Rank the modules most likely to have caused a failing or misbehaving instance, from what changed in the last lookback_hours (1–168, default 24): module assignments of its node updated (+5 each), versions of its assigned modules that went live (+12), were blessed (+6) or retired (+4), and events of the instance or its node naming a module (severity weights low 1, medium 4, high 16, critical 64; +5 with any high or critical). Earlier operator feedback on the same suspect boosts it ×1.5 (confirmed) or lowers it ×0.7 (rejected). Returns up to 10 candidates with reasons and prior feedback, the top candidate, confidence (its share of all scores) and a plain-language reasoning. Confirm or reject a suspect with attribution.feedback.",
  examples: [
    { phrase: "what caused the failure on instance 0190…", input: { instance_id: "<instance id>" } },
    {
      phrase: "which module change broke this instance in the last 6 hours",
      input: { instance_id: "<instance id>", lookback_hours: 6 },
    },
  ],
  input: z.strictObject({
    instance_id: Uuid.describe("The failing instance."),
    lookback_hours: z.number().int().min(1).max(168).default(24).describe("How far back to look, 1–168 h."),
  }),
  output: AnalysisSchema,
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/fleet/attribution" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const instance = await findInstance(ctx.db, accountId, input.instance_id, "instance_id");
    const cutoff = new Date(ctx.now.getTime() - input.lookback_hours * 3600_000);
    const facts = await gatherFacts(ctx.db, { accountId, instance, cutoff });
    const situations = candidateSituations(facts);
    const settings = await loadAutonomySettings(ctx.db, accountId);
    const { evidence, degraded } = await gatherEvidence(ctx.db, {
      accountId,
      index: ctx.services.learnings ?? exactOnlyIndex,
      threshold: settings.learning_similarity_threshold,
      situations,
    });
    const ranked = rankAttribution(facts, evidence, { now: ctx.now, lookbackHours: input.lookback_hours });
    return {
      instance_id: instance.id,
      lookback_hours: input.lookback_hours,
      cutoff: cutoff.toISOString(),
      ...ranked,
      degraded: situations.length > 0 ? degraded : null,
    };
  },
});

const KIND_PHRASE: Readonly<Record<CandidateKind, string>> = {
  assignment_change: "its assignment change",
  promotion: "its version promotion",
  event_correlation: "the events it reported",
};

const REPEAT_WINDOW_MS = 24 * 3600_000;
const FEEDBACK_LOCK = 72_410_011;

const actorOf = (ctx: OpContext) =>
  ctx.principal.userId ? `user ${ctx.principal.userId}` : `${ctx.principal.actorType} ${ctx.principal.actorId}`;

export const attributionFeedback = defineOperation({
  name: "attribution.feedback",
  title: "Confirm or reject a suspected cause",
  description:
    "Tell Nodepilot whether a suspect from attribution.analyze really caused an instance's failure: confirmed true records a confirmed learning (later analyses boost the same module and candidate kind ×1.5), false a rejected one (×0.7). Name the instance, the module (candidate_module_id) and the candidate_kind (assignment_change, promotion or event_correlation); an optional note (≤ 500 chars) is kept on the learning and the event. The same feedback by the same person within 24 h is not recorded twice: it answers the first learning_id with repeated true.",
  examples: [
    {
      phrase: "yes, the nginx promotion caused the outage on that instance",
      input: {
        instance_id: "<instance id>",
        candidate_module_id: "<nginx id>",
        candidate_kind: "promotion",
        confirmed: true,
      },
    },
    {
      phrase: "no, the agent module assignment was not the culprit",
      input: {
        instance_id: "<instance id>",
        candidate_module_id: "<module id>",
        candidate_kind: "assignment_change",
        confirmed: false,
        note: "the disk filled up",
      },
    },
  ],
  input: z.strictObject({
    instance_id: Uuid.describe("The instance whose failure this is about."),
    candidate_module_id: Uuid.describe("The suspected module."),
    candidate_kind: CandidateKindSchema.describe(
      "Which kind of suspect: assignment_change, promotion or event_correlation.",
    ),
    confirmed: z.boolean().describe("true: this was the cause; false: it was not."),
    note: z.string().max(500).optional(),
  }),
  output: z.strictObject({
    ok: z.literal(true),
    learning_id: Uuid,
    repeated: z.boolean().describe("The same feedback was given within 24 h; nothing new was recorded."),
  }),
  scope: "autonomy:write",
  effect: "write",
  actionCategory: "autonomy.configure",
  idempotent: true,
  http: { method: "POST", path: "/fleet/attribution-feedback" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const instance = await findInstance(ctx.db, accountId, input.instance_id, "instance_id");
    const [mod] = await ctx.db
      .select({ id: node_modules.id, name: node_modules.name })
      .from(node_modules)
      .where(and(eq(node_modules.id, input.candidate_module_id), eq(node_modules.account_id, accountId)))
      .limit(1);
    if (!mod) {
      throw new AppError("not_found", `module ${input.candidate_module_id} was not found`, {
        errors: [{ path: "candidate_module_id", message: "no such module in this account" }],
      });
    }
    const eventKind = input.confirmed ? FEEDBACK_EVENT_KINDS[0] : FEEDBACK_EVENT_KINDS[1];
    // Two identical clicks at once must not both pass the repeat check below.
    const lockKey = [
      accountId,
      ctx.principal.actorType,
      ctx.principal.actorId,
      instance.id,
      mod.id,
      input.candidate_kind,
    ].join(":");
    await ctx.db.execute(sql`SELECT pg_advisory_xact_lock(${FEEDBACK_LOCK}, hashtext(${lockKey}))`);
    const [prior] = await ctx.db
      .select({ kind: fleet_events.kind, payload: fleet_events.payload })
      .from(fleet_events)
      .where(
        and(
          eq(fleet_events.account_id, accountId),
          inArray(fleet_events.kind, [...FEEDBACK_EVENT_KINDS]),
          eq(fleet_events.actor_type, ctx.principal.actorType),
          eq(fleet_events.actor_id, ctx.principal.actorId),
          eq(fleet_events.node_instance_id, instance.id),
          eq(fleet_events.node_module_id, mod.id),
          sql`${fleet_events.payload}->>'candidate_kind' = ${input.candidate_kind}`,
          gt(fleet_events.emitted_at, new Date(ctx.now.getTime() - REPEAT_WINDOW_MS)),
        ),
      )
      .orderBy(desc(fleet_events.emitted_at), desc(fleet_events.seq))
      .limit(1);
    // A repeat is the same verdict as this actor's latest on the suspect; a changed mind is recorded.
    const priorId = prior?.kind === eventKind ? z.object({ learning_id: Uuid }).safeParse(prior.payload) : undefined;
    if (priorId?.success) return { ok: true as const, learning_id: priorId.data.learning_id, repeated: true };

    let change: "assignment" | "events" | "live" | "blessed" | "retired";
    if (input.candidate_kind === "assignment_change") change = "assignment";
    else if (input.candidate_kind === "event_correlation") change = "events";
    else {
      const stamp = await latestPromotionStamp(ctx.db, accountId, mod.id);
      if (!stamp) {
        throw conflict(`module ${mod.name} has no version that was blessed, went live or was retired`, {
          reason: "no_promotion",
          errors: [{ path: "candidate_kind", message: "the module was never promoted" }],
        });
      }
      change = stamp;
    }
    const outcome = input.confirmed ? "confirmed" : "rejected";
    const note = input.note?.trim() ? input.note.trim() : null;
    const title = input.confirmed
      ? `Module ${mod.name} confirmed cause of instance failure`
      : `Module ${mod.name} rejected as cause of instance failure`;
    const verdict = input.confirmed ? "caused" : "did not cause";
    const content = [
      `${actorOf(ctx)} said that module ${mod.name} (${KIND_PHRASE[input.candidate_kind]}) ${verdict} the failure of instance ${instance.name} (${instance.id}).`,
      ...(note ? [`Note: ${note}`] : []),
    ].join("\n");
    // recordLearning takes a transaction: ctx.db is the request's, this nests a savepoint in it.
    const learning = await ctx.db.transaction((tx) =>
      recordLearning(tx, ctx, {
        trigger: input.confirmed ? "attribution_confirmed" : "attribution_rejected",
        situation_text: attributionSituationText({
          candidate_kind: input.candidate_kind,
          module_name: mod.name,
          change,
        }),
        action_category: "attribution",
        title,
        content,
        tags: ["fleet", "attribution", `module:${mod.id}`, `kind:${input.candidate_kind}`, `outcome:${outcome}`],
        evidence: [instance.id],
      }),
    );
    await emitEvent(ctx.db, ctx, {
      kind: eventKind,
      severity: "low",
      subject_type: "node_instance",
      subject_id: instance.id,
      node_id: instance.node_id,
      node_instance_id: instance.id,
      node_module_id: mod.id,
      payload: {
        instance_id: instance.id,
        module_id: mod.id,
        module_name: mod.name,
        candidate_kind: input.candidate_kind,
        note,
        learning_id: learning.id,
      },
    });
    return { ok: true as const, learning_id: learning.id, repeated: false };
  },
});

export const attributionOperations = [attributionAnalyze, attributionFeedback];
