// The attribution ranker as a table of facts in, ranked suspects out (spec/autonomy.md §5.4).
import { describe, expect, it } from "vitest";
import {
  type AssignmentFact,
  type AttributionFact,
  type CandidateEvidence,
  candidateKey,
  candidateSituations,
  type EventFact,
  rankAttribution,
} from "./rank.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
const opts = { now, lookbackHours: 24 };
const none = new Map<string, CandidateEvidence>();

const A = { module_id: "0190a000-0000-7000-8000-00000000000a", module_name: "alpha" };
const B = { module_id: "0190a000-0000-7000-8000-00000000000b", module_name: "beta" };
const C = { module_id: "0190a000-0000-7000-8000-00000000000c", module_name: "gamma" };

const assignment = (
  m: typeof A,
  h: number,
  extra: Partial<Pick<AssignmentFact, "created" | "enabled">> = {},
): AssignmentFact => ({
  kind: "assignment_change",
  ...m,
  at: hoursAgo(h),
  created: false,
  enabled: true,
  ...extra,
});
const promotion = (
  m: typeof A,
  stamp: "live" | "blessed" | "retired",
  version: number,
  h: number,
): AttributionFact => ({
  kind: "promotion",
  ...m,
  version_number: version,
  stamp,
  at: hoursAgo(h),
});
const events = (m: typeof A, counts: Partial<EventFact["counts"]>, h = 1): AttributionFact => ({
  kind: "event_correlation",
  ...m,
  counts: { low: 0, medium: 0, high: 0, critical: 0, ...counts },
  most_severe: {
    kind: "instance.crashed",
    severity: counts.critical ? "critical" : counts.high ? "high" : "low",
    at: hoursAgo(h),
  },
  latest: {
    kind: "instance.crashed",
    severity: counts.critical ? "critical" : counts.high ? "high" : "low",
    at: hoursAgo(h),
  },
});

const evidence = (entries: [string, CandidateEvidence][]) => new Map(entries);
const learned = (...polarities: ("confirmed" | "rejected")[]): CandidateEvidence => ({
  learnings: polarities.map((p, i) => ({ id: `0190b000-0000-7000-8000-00000000000${i}`, polarity: p })),
  feedback: [],
});

describe("rankAttribution: the rules", () => {
  it("scores an updated assignment +5 and says what changed", () => {
    const r = rankAttribution([assignment(A, 2, { created: true })], none, opts);
    expect(r.top_candidate).toMatchObject({ kind: "assignment_change", module_name: "alpha", score: 5, base_score: 5 });
    expect(r.top_candidate?.reasons).toEqual(["alpha was assigned to the node 2 h ago"]);
    const changed = rankAttribution([assignment(A, 0.5, { enabled: false })], none, opts);
    expect(changed.top_candidate?.reasons).toEqual(["the node's alpha assignment changed 30 min ago (now disabled)"]);
  });

  it("adds promotion stamps: live +12, blessed +6, retired +4", () => {
    const r = rankAttribution(
      [promotion(A, "blessed", 3, 5), promotion(A, "live", 3, 2), promotion(A, "retired", 2, 2)],
      none,
      opts,
    );
    expect(r.candidates).toHaveLength(1);
    expect(r.top_candidate).toMatchObject({ kind: "promotion", score: 22, base_score: 22 });
    expect(r.top_candidate?.reasons).toEqual([
      "version 3 went live 2 h ago",
      "version 2 was retired 2 h ago",
      "version 3 was blessed 5 h ago",
    ]);
  });

  it("sums severity weights of events (1/4/16/64) and adds 5 with any high or critical", () => {
    const quiet = rankAttribution([events(A, { low: 3, medium: 1 })], none, opts);
    expect(quiet.top_candidate).toMatchObject({ kind: "event_correlation", score: 7 });
    expect(quiet.top_candidate?.reasons).toEqual([
      "4 events named this module in the window (1 medium, 3 low)",
      "most severe: instance.crashed (low) 1 h ago",
    ]);
    const loud = rankAttribution([events(A, { low: 1, high: 1, critical: 1 })], none, opts);
    expect(loud.top_candidate?.score).toBe(1 + 16 + 64 + 5);
    expect(loud.top_candidate?.reasons).toContain("+5 for high or critical events");
  });

  it("keeps at most four reasons", () => {
    const facts = [1, 2, 3, 4, 5].map((v) => promotion(A, "live", v, v));
    const r = rankAttribution(facts, none, opts);
    expect(r.top_candidate?.score).toBe(60);
    expect(r.top_candidate?.reasons).toHaveLength(4);
    expect(r.top_candidate?.reasons[0]).toBe("version 1 went live 1 h ago");
  });
});

describe("rankAttribution: merge, order, confidence", () => {
  it("merges the same (kind, module) and keeps kinds of one module apart", () => {
    const r = rankAttribution(
      [assignment(A, 1), assignment(A, 3), promotion(A, "live", 2, 1), events(A, { low: 2 })],
      none,
      opts,
    );
    expect(r.candidates.map((c) => [c.kind, c.score])).toEqual([
      ["promotion", 12],
      ["assignment_change", 10],
      ["event_correlation", 2],
    ]);
    expect(r.candidates[1]?.reasons).toHaveLength(2);
  });

  it("breaks score ties by module name, then by kind", () => {
    const r = rankAttribution(
      [assignment(C, 1), assignment(A, 1), events(B, { medium: 1, low: 1 }), assignment(B, 1)],
      none,
      opts,
    );
    expect(r.candidates.map((c) => `${c.module_name}/${c.kind}`)).toEqual([
      "alpha/assignment_change",
      "beta/assignment_change",
      "beta/event_correlation",
      "gamma/assignment_change",
    ]);
  });

  it("confidence is the top score's share of all scores, to 3 places", () => {
    const r = rankAttribution([promotion(A, "live", 2, 1), assignment(B, 1), events(C, { low: 1 })], none, opts);
    expect(r.confidence).toBe(Math.round((12 / 18) * 1000) / 1000);
    expect(r.confidence).toBe(0.667);
    expect(r.reasoning).toContain(
      "Most likely cause: a version promotion of module alpha (score 12 of 18, confidence 67 %)",
    );
    expect(r.reasoning).toContain("2 other candidates rank lower.");
    const one = rankAttribution([assignment(A, 1)], none, opts);
    expect(one.confidence).toBe(1);
  });

  it("returns the top 10 but counts every candidate in the confidence", () => {
    const facts = Array.from({ length: 12 }, (_, i) =>
      assignment(
        {
          module_id: `0190a000-0000-7000-8000-0000000001${String(i).padStart(2, "0")}`,
          module_name: `m${String(i).padStart(2, "0")}`,
        },
        1,
      ),
    );
    const r = rankAttribution(facts, none, opts);
    expect(r.candidates).toHaveLength(10);
    expect(r.candidates[0]?.module_name).toBe("m00");
    expect(r.confidence).toBe(Math.round((5 / 60) * 1000) / 1000);
  });

  it("says that nothing changed when there are no facts", () => {
    const r = rankAttribution([], none, { now, lookbackHours: 6 });
    expect(r).toMatchObject({ candidates: [], top_candidate: null, confidence: null, matched_learning_ids: [] });
    expect(r.reasoning).toMatch(/^Nothing changed around this instance in the last 6 h/);
  });
});

describe("rankAttribution: earlier feedback", () => {
  it("boosts a confirmed suspect ×1.5 once, confirmation winning over rejection", () => {
    const facts = [promotion(A, "live", 2, 1), assignment(B, 1), events(C, { low: 1 })];
    const r = rankAttribution(
      facts,
      evidence([
        [candidateKey("assignment_change", B.module_id), learned("confirmed", "confirmed", "rejected")],
        [candidateKey("event_correlation", C.module_id), learned("rejected")],
      ]),
      opts,
    );
    const beta = r.candidates.find((c) => c.module_name === "beta");
    expect(beta).toMatchObject({ score: 8, base_score: 5, adjustment: "boosted_by_prior_confirmation" });
    const gamma = r.candidates.find((c) => c.module_name === "gamma");
    expect(gamma).toMatchObject({ score: 1, base_score: 1, adjustment: "downweighted_by_prior_rejection" });
    expect(r.candidates.find((c) => c.module_name === "alpha")?.adjustment).toBeNull();
    expect(r.confidence).toBe(Math.round((12 / 21) * 1000) / 1000);
    expect(r.matched_learning_ids).toHaveLength(3);
  });

  it("damps a rejected suspect ×0.7 and can reorder the ranking", () => {
    const r = rankAttribution(
      [promotion(A, "live", 2, 1), promotion(B, "blessed", 1, 1), promotion(B, "retired", 1, 1)],
      evidence([[candidateKey("promotion", A.module_id), learned("rejected")]]),
      opts,
    );
    expect(r.candidates.map((c) => [c.module_name, c.score])).toEqual([
      ["beta", 10],
      ["alpha", 8],
    ]);
    expect(r.reasoning).not.toContain("lowered");
  });

  it("explains a boost in the reasoning and carries the feedback on the candidate", () => {
    const feedback = {
      learning_id: "0190b000-0000-7000-8000-0000000000ff",
      confirmed: true,
      at: hoursAgo(30).toISOString(),
      actor_type: "user",
      actor_id: "u1",
      note: "bad config",
      instance_id: "0190c000-0000-7000-8000-000000000001",
    };
    const r = rankAttribution(
      [assignment(A, 1)],
      evidence([[candidateKey("assignment_change", A.module_id), { ...learned("confirmed"), feedback: [feedback] }]]),
      opts,
    );
    expect(r.top_candidate?.feedback).toEqual([feedback]);
    expect(r.reasoning).toContain("raised from 5 because an operator confirmed this cause before");
  });
});

describe("candidateSituations", () => {
  it("names the change each candidate's feedback is recorded under", () => {
    const s = candidateSituations([
      assignment(A, 1),
      promotion(B, "blessed", 1, 5),
      promotion(B, "live", 1, 2),
      promotion(C, "retired", 4, 1),
      events(C, { low: 1 }),
    ]);
    expect(s.map((x) => [x.kind, x.module_name, x.change])).toEqual([
      ["assignment_change", "alpha", "assignment"],
      ["promotion", "beta", "live"],
      ["promotion", "gamma", "retired"],
      ["event_correlation", "gamma", "events"],
    ]);
  });
});
