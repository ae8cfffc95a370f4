// The reads behind attribution (spec/autonomy.md §5.4): what changed around one instance since the
// cutoff (its node's assignments, promotions of the node's assigned modules, events naming a
// module), and what earlier attribution feedback says about each candidate. rank.ts scores them.
import {
  type DbOrTx,
  fleet_events,
  learnings,
  module_versions,
  node_instances,
  node_module_assignments,
  node_modules,
} from "@nodepilot/store";
import { and, arrayOverlaps, eq, gte, inArray, isNotNull, ne, notInArray, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { Severity } from "../events/emit.ts";
import { type SimilarResult, similarLearnings } from "../learnings/similar.ts";
import { attributionSituationText } from "../learnings/situation.ts";
import type { LearningsIndex } from "../learnings/vector-index.ts";
import {
  type AttributionFact,
  CANDIDATE_KINDS,
  type CandidateEvidence,
  type CandidateSituation,
  candidateKey,
  type EventFact,
  type Feedback,
  PROMOTION_POINTS,
  type PromotionFact,
  type PromotionStamp,
} from "./rank.ts";

export const FEEDBACK_EVENT_KINDS = ["autonomy.attribution_confirmed", "autonomy.attribution_rejected"] as const;
const FEEDBACK_PER_CANDIDATE = 5;

export interface InstanceRef {
  id: string;
  name: string;
  node_id: string;
}

/** The instance, or not_found naming the field it came from. */
export async function findInstance(db: DbOrTx, accountId: string, id: string, field: string): Promise<InstanceRef> {
  const [row] = await db
    .select({ id: node_instances.id, name: node_instances.name, node_id: node_instances.node_id })
    .from(node_instances)
    .where(and(eq(node_instances.id, id), eq(node_instances.account_id, accountId)))
    .limit(1);
  if (!row) {
    throw new AppError("not_found", `instance ${id} was not found`, {
      errors: [{ path: field, message: "no such instance in this account" }],
    });
  }
  return row;
}

export interface FactWindow {
  accountId: string;
  instance: InstanceRef;
  cutoff: Date;
}

async function assignmentFacts(db: DbOrTx, w: FactWindow): Promise<AttributionFact[]> {
  const rows = await db
    .select({
      module_id: node_module_assignments.node_module_id,
      module_name: node_modules.name,
      updated_at: node_module_assignments.updated_at,
      created_at: node_module_assignments.created_at,
      enabled: node_module_assignments.enabled,
    })
    .from(node_module_assignments)
    .innerJoin(node_modules, eq(node_modules.id, node_module_assignments.node_module_id))
    .where(
      and(
        eq(node_module_assignments.account_id, w.accountId),
        eq(node_module_assignments.node_id, w.instance.node_id),
        gte(node_module_assignments.updated_at, w.cutoff),
      ),
    );
  return rows.map((r) => ({
    kind: "assignment_change",
    module_id: r.module_id,
    module_name: r.module_name,
    at: r.updated_at,
    created: r.created_at >= w.cutoff,
    enabled: r.enabled,
  }));
}

/** Stamps since the cutoff on versions of modules the node has an enabled assignment of. */
async function promotionFacts(db: DbOrTx, w: FactWindow): Promise<AttributionFact[]> {
  const v = module_versions;
  const rows = await db
    .select({
      module_id: v.node_module_id,
      module_name: node_modules.name,
      version_number: v.version_number,
      live: v.live_at,
      blessed: v.blessed_at,
      retired: v.retired_at,
    })
    .from(v)
    .innerJoin(node_modules, eq(node_modules.id, v.node_module_id))
    .innerJoin(
      node_module_assignments,
      and(
        eq(node_module_assignments.node_module_id, v.node_module_id),
        eq(node_module_assignments.node_id, w.instance.node_id),
        eq(node_module_assignments.enabled, true),
      ),
    )
    .where(
      and(
        eq(v.account_id, w.accountId),
        or(gte(v.live_at, w.cutoff), gte(v.blessed_at, w.cutoff), gte(v.retired_at, w.cutoff)),
      ),
    );
  const stamps = Object.keys(PROMOTION_POINTS) as PromotionStamp[];
  return rows.flatMap((r) =>
    stamps.flatMap((stamp): PromotionFact[] => {
      const at = r[stamp];
      return at && at >= w.cutoff
        ? [
            {
              kind: "promotion",
              module_id: r.module_id,
              module_name: r.module_name,
              version_number: r.version_number,
              stamp,
              at,
            },
          ]
        : [];
    }),
  );
}

const SEVERITY_RANK = sql`CASE ${fleet_events.severity} WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END`;
const first = <T>(expr: SQL) =>
  sql<T>`(array_agg(${expr} ORDER BY ${SEVERITY_RANK} DESC, ${fleet_events.emitted_at} DESC))[1]`;
const latest = <T>(expr: SQL) => sql<T>`(array_agg(${expr} ORDER BY ${fleet_events.emitted_at} DESC))[1]`;
// Aggregated timestamps come back as driver text; epoch milliseconds parse the same everywhere.
const epochMs = (expr: SQL) => sql<number>`(extract(epoch FROM ${expr}) * 1000)::float8`;
const countOf = (severity: Severity) => sql<number>`count(*) FILTER (WHERE ${fleet_events.severity} = ${severity})`;

/** The instance's and its node's events that name a module, per module (feedback events excluded). */
async function eventFacts(db: DbOrTx, w: FactWindow): Promise<AttributionFact[]> {
  const e = fleet_events;
  const rows = await db
    .select({
      module_id: sql<string>`${e.node_module_id}`,
      module_name: node_modules.name,
      low: countOf("low"),
      medium: countOf("medium"),
      high: countOf("high"),
      critical: countOf("critical"),
      top_kind: first<string>(sql`${e.kind}`),
      top_severity: first<Severity>(sql`${e.severity}`),
      top_at: epochMs(first(sql`${e.emitted_at}`)),
      last_kind: latest<string>(sql`${e.kind}`),
      last_severity: latest<Severity>(sql`${e.severity}`),
      last_at: epochMs(latest(sql`${e.emitted_at}`)),
    })
    .from(e)
    .innerJoin(node_modules, and(eq(node_modules.id, e.node_module_id), eq(node_modules.account_id, e.account_id)))
    .where(
      and(
        eq(e.account_id, w.accountId),
        // Recorded since the cutoff too, so the (account, created_at) index bounds the scan.
        gte(e.created_at, w.cutoff),
        gte(e.emitted_at, w.cutoff),
        isNotNull(e.node_module_id),
        or(eq(e.node_instance_id, w.instance.id), eq(e.node_id, w.instance.node_id)),
        notInArray(e.kind, [...FEEDBACK_EVENT_KINDS]),
      ),
    )
    .groupBy(e.node_module_id, node_modules.name);
  return rows.map(
    (r): EventFact => ({
      kind: "event_correlation",
      module_id: r.module_id,
      module_name: r.module_name,
      counts: { low: Number(r.low), medium: Number(r.medium), high: Number(r.high), critical: Number(r.critical) },
      most_severe: { kind: r.top_kind, severity: r.top_severity, at: new Date(Number(r.top_at)) },
      latest: { kind: r.last_kind, severity: r.last_severity, at: new Date(Number(r.last_at)) },
    }),
  );
}

export async function gatherFacts(db: DbOrTx, w: FactWindow): Promise<AttributionFact[]> {
  return [...(await assignmentFacts(db, w)), ...(await promotionFacts(db, w)), ...(await eventFacts(db, w))];
}

/** The payload attribution.feedback writes on its event; anything else is not feedback. */
export const FeedbackPayload = z.object({
  instance_id: z.string(),
  module_id: z.string(),
  candidate_kind: z.enum(CANDIDATE_KINDS),
  note: z.string().nullable().optional(),
  learning_id: z.string(),
});

type FeedbackRow = {
  kind: string;
  payload: unknown;
  actor_type: string;
  actor_id: string | null;
  emitted_at: Date | string;
};

/** The latest feedback events per (kind, module) of the given candidates, newest first. */
async function feedbackOf(
  db: DbOrTx,
  accountId: string,
  situations: readonly CandidateSituation[],
): Promise<Map<string, Feedback[]>> {
  const out = new Map<string, Feedback[]>();
  const moduleIds = [...new Set(situations.map((s) => s.module_id))];
  if (moduleIds.length === 0) return out;
  const e = fleet_events;
  const ranked = db
    .select({
      kind: e.kind,
      payload: e.payload,
      actor_type: e.actor_type,
      actor_id: e.actor_id,
      emitted_at: e.emitted_at,
      n: sql<number>`row_number() OVER (PARTITION BY ${e.node_module_id}, ${e.payload}->>'candidate_kind' ORDER BY ${e.emitted_at} DESC, ${e.seq} DESC)`.as(
        "n",
      ),
    })
    .from(e)
    .where(
      and(
        eq(e.account_id, accountId),
        inArray(e.kind, [...FEEDBACK_EVENT_KINDS]),
        inArray(e.node_module_id, moduleIds),
      ),
    )
    .as("ranked");
  const rows: FeedbackRow[] = await db
    .select()
    .from(ranked)
    .where(sql`${ranked.n} <= ${FEEDBACK_PER_CANDIDATE}`)
    .orderBy(sql`${ranked.emitted_at} DESC`);
  for (const r of rows) {
    const p = FeedbackPayload.safeParse(r.payload);
    if (!p.success) continue;
    const key = candidateKey(p.data.candidate_kind, p.data.module_id);
    const list = out.get(key) ?? [];
    list.push({
      learning_id: p.data.learning_id,
      confirmed: r.kind === "autonomy.attribution_confirmed",
      at: new Date(r.emitted_at).toISOString(),
      actor_type: r.actor_type,
      actor_id: r.actor_id,
      note: p.data.note ?? null,
      instance_id: p.data.instance_id,
    });
    out.set(key, list);
  }
  return out;
}

/**
 * §5.3's exact rule for attribution: feedback on the same (candidate_kind, module) counts as sim 1.0
 * whatever change or module name its situation text recorded, embedding or not.
 */
async function exactFeedbackLearnings(db: DbOrTx, accountId: string, situations: readonly CandidateSituation[]) {
  const moduleTags = [...new Set(situations.map((s) => `module:${s.module_id}`))];
  if (moduleTags.length === 0) return [];
  return db
    .select({ id: learnings.id, polarity: learnings.polarity, tags: learnings.tags })
    .from(learnings)
    .where(
      and(
        eq(learnings.account_id, accountId),
        eq(learnings.source, "attribution_feedback"),
        inArray(learnings.status, ["active", "verified"]),
        ne(learnings.polarity, "neutral"),
        arrayOverlaps(learnings.tags, moduleTags),
      ),
    );
}

export interface EvidenceQuery {
  accountId: string;
  index: LearningsIndex;
  threshold: number;
  situations: readonly CandidateSituation[];
}

export interface GatheredEvidence {
  evidence: Map<string, CandidateEvidence>;
  degraded: SimilarResult["degraded"];
}

const worse = (a: SimilarResult["degraded"], b: SimilarResult["degraded"]): SimilarResult["degraded"] =>
  a === "search_failed" || b === "search_failed" ? "search_failed" : (a ?? b);

export async function gatherEvidence(db: DbOrTx, q: EvidenceQuery): Promise<GatheredEvidence> {
  const feedback = await feedbackOf(db, q.accountId, q.situations);
  const exact = await exactFeedbackLearnings(db, q.accountId, q.situations);
  const evidence = new Map<string, CandidateEvidence>();
  let degraded: SimilarResult["degraded"] = null;
  for (const s of q.situations) {
    const similar = await similarLearnings(db, q.index, {
      accountId: q.accountId,
      situation_text: attributionSituationText({
        candidate_kind: s.kind,
        module_name: s.module_name,
        change: s.change,
      }),
      category: "attribution",
      threshold: q.threshold,
    });
    degraded = worse(degraded, similar.degraded);
    const found = new Map<string, "confirmed" | "rejected">();
    for (const l of similar.learnings) found.set(l.id, l.polarity);
    for (const l of exact) {
      if (l.polarity !== "neutral" && l.tags.includes(`module:${s.module_id}`) && l.tags.includes(`kind:${s.kind}`)) {
        found.set(l.id, l.polarity);
      }
    }
    evidence.set(s.key, {
      learnings: [...found].map(([id, polarity]) => ({ id, polarity })),
      feedback: feedback.get(s.key) ?? [],
    });
  }
  return { evidence, degraded };
}

/** The latest of a module's version stamps, for the situation text of promotion feedback. */
export async function latestPromotionStamp(db: DbOrTx, accountId: string, moduleId: string) {
  const rows = await db
    .select({ live: module_versions.live_at, blessed: module_versions.blessed_at, retired: module_versions.retired_at })
    .from(module_versions)
    .where(and(eq(module_versions.account_id, accountId), eq(module_versions.node_module_id, moduleId)));
  let best: { stamp: PromotionStamp; at: Date } | null = null;
  for (const r of rows) {
    for (const stamp of ["live", "blessed", "retired"] as const) {
      const at = r[stamp];
      if (at && (!best || at > best.at)) best = { stamp, at };
    }
  }
  return best?.stamp ?? null;
}
