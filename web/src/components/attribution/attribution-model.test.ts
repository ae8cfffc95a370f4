import { describe, expect, it } from "vitest";
import type { FleetEvent } from "../fleet/types";
import {
  adjustmentMarker,
  analyzePath,
  attributionTarget,
  confidenceBand,
  decisionText,
  degradedText,
  feedbackFromEvent,
  feedbackInput,
  feedbackOutputOf,
  feedbackSummary,
  kindForEvent,
  mergeFeedbackEvents,
  ownDecision,
  parseLookback,
  parseNote,
  problemFields,
} from "./attribution-model";
import type { Analysis, Candidate, FeedbackEntry } from "./types";

const INSTANCE = "0190aaaa-0000-7000-8000-000000000001";
const OTHER_INSTANCE = "0190aaaa-0000-7000-8000-000000000002";
const MODULE = "0190bbbb-0000-7000-8000-000000000001";
const ME = "0190cccc-0000-7000-8000-000000000001";
const BOB = "0190cccc-0000-7000-8000-000000000002";

const entry = (over: Partial<FeedbackEntry> = {}): FeedbackEntry => ({
  learning_id: "0190dddd-0000-7000-8000-000000000001",
  confirmed: true,
  at: "2025-05-03T10:00:00.000Z",
  actor_type: "user",
  actor_id: ME,
  note: null,
  instance_id: INSTANCE,
  ...over,
});

const candidate = (over: Partial<Candidate> = {}): Candidate => ({
  kind: "promotion",
  module_id: MODULE,
  module_name: "nginx",
  score: 18,
  base_score: 12,
  reasons: ["version 3 went live 2 h ago"],
  adjustment: "boosted_by_prior_confirmation",
  feedback: [],
  ...over,
});

const event = (over: Partial<FleetEvent> = {}): FleetEvent => ({
  id: "0190eeee-0000-7000-8000-000000000001",
  seq: 7,
  kind: "autonomy.attribution_rejected",
  severity: "low",
  payload: {},
  correlation_id: null,
  fingerprint: null,
  source: "api",
  actor_type: "user",
  actor_id: BOB,
  subject_type: null,
  subject_id: null,
  node_id: null,
  node_instance_id: null,
  node_module_id: null,
  module_version_id: null,
  task_id: null,
  cve_id: null,
  certificate_id: null,
  instance_pool_id: null,
  emitted_at: "2025-05-04T09:00:00.000Z",
  created_at: "2025-05-04T09:00:00.000Z",
  ...over,
});

describe("lookback", () => {
  it.each([
    ["24", 24],
    [" 1 ", 1],
    ["168", 168],
  ])("accepts %j", (raw, hours) => {
    expect(parseLookback(raw)).toEqual({ ok: true, value: hours });
  });

  it.each([
    ["", "Enter a lookback from 1 to 168 hours."],
    ["0", "Lookback must be between 1 and 168 hours."],
    ["169", "Lookback must be between 1 and 168 hours."],
    ["2.5", "Lookback must be a whole number of hours."],
    ["-3", "Lookback must be a whole number of hours."],
    ["abc", "Lookback must be a whole number of hours."],
  ])("refuses %j with a message", (raw, message) => {
    expect(parseLookback(raw)).toEqual({ ok: false, message });
  });

  it("asks attribution.analyze for the instance and the hours", () => {
    expect(analyzePath(INSTANCE, 48)).toBe(`/api/v1/fleet/attribution?instance_id=${INSTANCE}&lookback_hours=48`);
  });
});

describe("confidence band", () => {
  it.each<[number | null, string, string, string]>([
    [1, "high", "ok", "100 % confidence"],
    [0.7, "high", "ok", "70 % confidence"],
    [0.699, "medium", "warn", "70 % confidence"],
    [0.4, "medium", "warn", "40 % confidence"],
    [0.399, "low", "failed", "40 % confidence"],
    [0, "low", "failed", "0 % confidence"],
    [null, "unmeasured", "neutral", "confidence not measured"],
  ])("%j → %s", (confidence, band, tone, text) => {
    expect(confidenceBand(confidence)).toEqual({ band, tone, text });
  });
});

describe("adjustment marker", () => {
  it("names the factor of each adjustment", () => {
    expect(adjustmentMarker("boosted_by_prior_confirmation")?.text).toBe("boosted ×1.5");
    expect(adjustmentMarker("downweighted_by_prior_rejection")?.text).toBe("downweighted ×0.7");
    expect(adjustmentMarker(null)).toBeNull();
  });
});

describe("feedback summary", () => {
  const nameOf = (e: FeedbackEntry) => (e.actor_id === ME ? "you" : "Bob");

  it("says when there is none", () => {
    expect(feedbackSummary([], nameOf)).toBe("No earlier feedback on this cause.");
  });

  it("counts each polarity and names the latest decision and who made it", () => {
    const feedback = [
      entry({ at: "2025-05-01T10:00:00.000Z" }),
      entry({ confirmed: false, actor_id: BOB, at: "2025-05-03T23:30:00.000Z" }),
      entry({ at: "2025-04-20T10:00:00.000Z" }),
    ];
    expect(feedbackSummary(feedback, nameOf, "UTC")).toBe(
      "Earlier feedback: 2 confirmations, 1 rejection; latest rejected by Bob on 3 May 2025.",
    );
  });

  it("says when only the newest feedback was sent", () => {
    const five = [1, 2, 3, 4, 5].map((d) => entry({ at: `2025-05-0${d}T10:00:00.000Z` }));
    expect(feedbackSummary(five, nameOf, "UTC")).toBe(
      "Latest 5 feedback: 5 confirmations; latest confirmed by you on 5 May 2025.",
    );
  });

  it("leaves out a polarity nobody chose", () => {
    expect(feedbackSummary([entry()], nameOf, "UTC")).toBe(
      "Earlier feedback: 1 confirmation; latest confirmed by you on 3 May 2025.",
    );
  });
});

describe("own decision", () => {
  it("is the viewer's latest decision for this instance", () => {
    const feedback = [
      entry({ learning_id: "a", at: "2025-05-01T10:00:00.000Z" }),
      entry({ learning_id: "b", confirmed: false, at: "2025-05-02T10:00:00.000Z" }),
      entry({ learning_id: "c", actor_id: BOB, at: "2025-05-05T10:00:00.000Z" }),
      entry({ learning_id: "d", instance_id: OTHER_INSTANCE, at: "2025-05-06T10:00:00.000Z" }),
    ];
    const mine = ownDecision(feedback, ME, INSTANCE);
    expect(mine).toEqual({ learning_id: "b", confirmed: false, at: "2025-05-02T10:00:00.000Z" });
    expect(decisionText(mine!, "UTC")).toBe("You rejected this on 2 May 2025");
  });

  it("is nobody's without a signed-in user, and never a token's", () => {
    expect(ownDecision([entry()], null, INSTANCE)).toBeNull();
    expect(ownDecision([entry({ actor_type: "token" })], ME, INSTANCE)).toBeNull();
  });

  it("reads a confirmation", () => {
    expect(decisionText({ learning_id: "x", confirmed: true, at: "2025-05-03T10:00:00Z" }, "UTC")).toBe(
      "You confirmed this on 3 May 2025",
    );
  });
});

describe("degraded search", () => {
  it("says prior feedback may be incomplete", () => {
    expect(degradedText("embedding_unavailable")).toMatch(/prior feedback .* may be incomplete/);
    expect(degradedText("search_failed")).toMatch(/prior feedback .* may be incomplete/);
    expect(degradedText(null)).toBeNull();
  });
});

describe("what an event names", () => {
  it("takes the event's columns first, then the payload's ids", () => {
    expect(attributionTarget(event({ node_instance_id: INSTANCE, node_module_id: MODULE }))).toEqual({
      instanceId: INSTANCE,
      moduleId: MODULE,
    });
    expect(attributionTarget(event({ payload: { instance_id: INSTANCE, module_id: MODULE } }))).toEqual({
      instanceId: INSTANCE,
      moduleId: MODULE,
    });
    expect(attributionTarget(event({ node_instance_id: INSTANCE }))).toEqual({ instanceId: INSTANCE, moduleId: null });
  });

  it("names nothing without an instance, or with a payload id that is not one", () => {
    expect(attributionTarget(event({ node_module_id: MODULE }))).toBeNull();
    expect(attributionTarget(event({ payload: { instance_id: "web-1" } }))).toBeNull();
  });

  it.each([
    ["assignment.updated", "assignment_change"],
    ["module_version.published", "promotion"],
    ["fleet.module_promotion_ready", "promotion"],
    ["system.module_drift", "event_correlation"],
  ])("%s suggests %s", (kind, expected) => {
    expect(kindForEvent({ kind, payload: {} })).toBe(expected);
  });

  it("takes a feedback event's own candidate kind", () => {
    expect(kindForEvent({ kind: "autonomy.attribution_confirmed", payload: { candidate_kind: "promotion" } })).toBe(
      "promotion",
    );
    expect(kindForEvent({ kind: "assignment.updated", payload: { candidate_kind: "bogus" } })).toBe(
      "assignment_change",
    );
  });
});

describe("feedback input and output", () => {
  it("sends a trimmed note, or none", () => {
    const note = parseNote("  broke the config  ");
    expect(note).toEqual({ ok: true, value: "broke the config" });
    expect(feedbackInput(INSTANCE, { module_id: MODULE, kind: "promotion" }, true, "broke the config")).toEqual({
      instance_id: INSTANCE,
      candidate_module_id: MODULE,
      candidate_kind: "promotion",
      confirmed: true,
      note: "broke the config",
    });
    expect(parseNote("   ")).toEqual({ ok: true, value: undefined });
    expect(feedbackInput(INSTANCE, { module_id: MODULE, kind: "promotion" }, false, undefined)).not.toHaveProperty(
      "note",
    );
  });

  it("refuses a note over 500 characters", () => {
    expect(parseNote("x".repeat(501))).toEqual({
      ok: false,
      message: "Note must be at most 500 characters (it has 501).",
    });
    expect(parseNote("x".repeat(500)).ok).toBe(true);
  });

  it("reads the learning id from the output, and nothing else as success", () => {
    expect(feedbackOutputOf({ ok: true, learning_id: "L", repeated: true })).toEqual({
      ok: true,
      learning_id: "L",
      repeated: true,
    });
    expect(feedbackOutputOf({ ok: true })).toBeNull();
    expect(feedbackOutputOf(null)).toBeNull();
  });

  it("lists the fields a refusal names", () => {
    expect(
      problemFields({
        status: 422,
        errors: [
          { path: "candidate_kind", message: "invalid enum value" },
          { path: "", message: "bad" },
        ],
      }),
    ).toEqual(["candidate_kind: invalid enum value", "bad"]);
    expect(problemFields({ status: 500 })).toEqual([]);
  });
});

describe("live feedback events", () => {
  const analysis = (): Analysis => {
    const c = candidate();
    return {
      instance_id: INSTANCE,
      lookback_hours: 24,
      cutoff: "2025-05-03T09:00:00.000Z",
      candidates: [c, candidate({ kind: "event_correlation", score: 3, base_score: 3, adjustment: null })],
      top_candidate: c,
      confidence: 0.857,
      reasoning: "nginx version 3 went live before the failure",
      matched_learning_ids: [],
      degraded: null,
    };
  };
  const rejected = event({
    node_instance_id: OTHER_INSTANCE,
    node_module_id: MODULE,
    payload: { candidate_kind: "promotion", learning_id: "L2", note: "not it" },
  });

  it("reads a feedback event as the entry it adds", () => {
    expect(feedbackFromEvent(rejected)).toEqual({
      kind: "promotion",
      module_id: MODULE,
      entry: {
        learning_id: "L2",
        confirmed: false,
        at: "2025-05-04T09:00:00.000Z",
        actor_type: "user",
        actor_id: BOB,
        note: "not it",
        instance_id: OTHER_INSTANCE,
      },
    });
    expect(feedbackFromEvent(event({ kind: "instance.transitioned" }))).toBeNull();
    expect(feedbackFromEvent(event({ payload: { candidate_kind: "other", learning_id: "L" } }))).toBeNull();
  });

  it("adds it to the candidate of that kind and module only, once, leaving scores as analysed", () => {
    const before = analysis();
    const after = mergeFeedbackEvents(before, [rejected, rejected]);
    expect(after.candidates[0]!.feedback).toHaveLength(1);
    expect(after.candidates[0]!.score).toBe(18);
    expect(after.candidates[1]!.feedback).toHaveLength(0);
    expect(after.top_candidate).toBe(after.candidates[0]);
    expect(mergeFeedbackEvents(after, [rejected])).toBe(after);
  });

  it("is the same analysis when no event is feedback", () => {
    const before = analysis();
    expect(mergeFeedbackEvents(before, [event({ kind: "instance.transitioned" })])).toBe(before);
  });
});
