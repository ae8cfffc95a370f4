// The attribution panel's and the learnings pages' contract with the real API (createTestFleet):
// the analysis has the shape the panel reads, the lookback bounds are the server's, Confirm through
// POST /api/v1/actions answers the learning the candidate then links to, the feedback event is what
// the live merge reads, a re-analysis shows the boost and "you" by the session's user id, the
// learning reads back with evidence linking the instance, and refusals name the field or scope.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fetched } from "../../lib/server-api";
import type { FleetEvent } from "../fleet/types";
import { readEvidence } from "../learnings/evidence-read";
import { learningsApiPath, parseLearningFilters } from "../learnings/learning-model";
import type { Learning } from "../learnings/types";
import {
  adjustmentMarker,
  analyzePath,
  confidenceBand,
  FEEDBACK_SCOPE,
  feedbackFromEvent,
  feedbackInput,
  feedbackOutputOf,
  LOOKBACK_MAX,
  mergeFeedbackEvents,
  ownDecision,
  problemFields,
} from "./attribution-model";
import type { Analysis, Candidate } from "./types";

// The server's test harness, loaded by path at run time (see approval-card.api.test.ts).
interface TestFleet {
  api(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown },
  ): Promise<{ status: number; body: any }>;
  tokens: { admin: string; writer: string; reader: string };
  close(): Promise<void>;
}
const SERVER = "../../../../server/src";
const load = (path: string) => import(/* @vite-ignore */ `${SERVER}/${path}`);

let fleet: TestFleet;
let instanceId: string;
let moduleId: string;
let userId: string;
let first: Analysis;
let learningId: string;

const get = async <T>(path: string): Promise<Fetched<T>> => {
  const res = await fleet.api("GET", path);
  return res.status < 300 ? { ok: true, value: res.body as T } : { ok: false, status: res.status, problem: res.body };
};
const act = (input: Record<string, unknown>, token?: string) =>
  fleet.api("POST", "/api/v1/actions", {
    body: { operation: "attribution.feedback", input },
    ...(token ? { token } : {}),
  });
const suspect = (a: Analysis): Candidate | undefined =>
  a.candidates.find((c) => c.module_id === moduleId && c.kind === "assignment_change");

beforeAll(async () => {
  const { createTestFleet } = await load("testing/harness.ts");
  const { seedChatFleet } = await load("chat/test-support.ts");
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  const seeded: { instances: Record<string, string> } = await seedChatFleet(fleet);
  instanceId = seeded.instances["edge-1-a"]!;
  const instance = await fleet.api("GET", `/api/v1/node_instances/${instanceId}`);
  const mod = await fleet.api("POST", "/api/v1/node_modules", { body: { name: "telemetry" } });
  expect(mod.status, JSON.stringify(mod.body)).toBe(201);
  moduleId = mod.body.data.id;
  const assigned = await fleet.api("POST", "/api/v1/node_module_assignments", {
    body: { node_id: instance.body.data.node_id, node_module_id: moduleId },
  });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
  const session = await fleet.api("GET", "/api/v1/session");
  userId = session.body.data.user.id;
}, 120_000);
afterAll(() => fleet?.close());

describe("Analyze cause", () => {
  it("ranks the module assigned within the lookback, in the shape the panel reads", async () => {
    const res = await fleet.api("GET", analyzePath(instanceId, 24));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    first = res.body.data;
    expect(first.instance_id).toBe(instanceId);
    expect(first.lookback_hours).toBe(24);
    const c = suspect(first);
    expect(c).toMatchObject({ module_name: "telemetry", adjustment: null, feedback: [] });
    expect(c!.reasons.length).toBeGreaterThan(0);
    expect(c!.reasons.length).toBeLessThanOrEqual(4);
    expect(typeof first.reasoning).toBe("string");
    expect(confidenceBand(first.confidence).band).not.toBe("unmeasured");
  });

  it("refuses a lookback past the form's bound, naming the field", async () => {
    const res = await fleet.api("GET", analyzePath(instanceId, LOOKBACK_MAX + 1));
    expect(res.status).toBe(400);
    expect(problemFields(res.body).some((f) => f.startsWith("lookback_hours"))).toBe(true);
  });
});

describe("Confirm cause", () => {
  it("records a learning through the actions endpoint, and the event the live merge reads", async () => {
    const res = await act(feedbackInput(instanceId, { module_id: moduleId, kind: "assignment_change" }, true, "yes"));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.status).toBe("applied");
    const out = feedbackOutputOf(res.body.data.output);
    expect(out).toMatchObject({ repeated: false });
    learningId = out!.learning_id;

    const events = await fleet.api("GET", "/api/v1/events?kind=autonomy.attribution_confirmed&limit=5");
    const event = (events.body.data as FleetEvent[]).find((e) => e.payload.learning_id === learningId)!;
    expect(feedbackFromEvent(event)).toMatchObject({
      kind: "assignment_change",
      module_id: moduleId,
      entry: { learning_id: learningId, confirmed: true, actor_type: "user", actor_id: userId, note: "yes" },
    });
    const merged = mergeFeedbackEvents(first, [event]);
    expect(ownDecision(suspect(merged)!.feedback, userId, instanceId)?.learning_id).toBe(learningId);
  });

  it("answers the same learning for a repeat", async () => {
    const res = await act(
      feedbackInput(instanceId, { module_id: moduleId, kind: "assignment_change" }, true, undefined),
    );
    expect(feedbackOutputOf(res.body.data.output)).toEqual({ ok: true, learning_id: learningId, repeated: true });
  });

  it("boosts the suspect on Re-analyze and lists the decision as the viewer's", async () => {
    const res = await fleet.api("GET", analyzePath(instanceId, 24));
    const c = suspect(res.body.data)!;
    expect(adjustmentMarker(c.adjustment)?.text).toBe("boosted ×1.5");
    expect(c.score).toBe(Math.round(c.base_score * 1.5));
    expect(ownDecision(c.feedback, userId, instanceId)).toMatchObject({ learning_id: learningId, confirmed: true });
    expect(ownDecision(c.feedback, userId, "0190aaaa-0000-7000-8000-000000000009")).toBeNull();
  });

  it("refuses an over-long note naming the field, and a reader for the scope the panel names", async () => {
    const long = await act({
      ...feedbackInput(instanceId, { module_id: moduleId, kind: "assignment_change" }, false, undefined),
      note: "x".repeat(501),
    });
    expect(long.status).toBe(400);
    expect(problemFields(long.body).some((f) => f.includes("note"))).toBe(true);
    const reader = await act(
      feedbackInput(instanceId, { module_id: moduleId, kind: "assignment_change" }, false, undefined),
      fleet.tokens.reader,
    );
    expect(reader.status).toBe(403);
    expect(reader.body.required_scope).toBe(FEEDBACK_SCOPE);
  });
});

describe("the learning it links to", () => {
  it("reads back with its fields, and its evidence links the instance", async () => {
    const res = await get<{ data: Learning }>(`/api/v1/learnings/${learningId}`);
    expect(res.ok).toBe(true);
    const l = res.ok ? res.value.data : (null as never);
    expect(l).toMatchObject({ source: "attribution_feedback", polarity: "confirmed", status: "active" });
    expect(l.tags).toEqual(expect.arrayContaining(["attribution", `module:${moduleId}`, "outcome:confirmed"]));
    const evidence = await readEvidence(get, l.evidence);
    expect(evidence).toContainEqual({
      raw: instanceId,
      kind: "instance",
      href: `/instances/${instanceId}`,
      label: "instance edge-1-a",
    });
  });

  it("is listed under the filters the list page sends", async () => {
    const { filters } = parseLearningFilters({ source: "attribution_feedback", tag: "outcome:confirmed" });
    const res = await fleet.api("GET", learningsApiPath(filters));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((res.body.data as Learning[]).map((l) => l.id)).toContain(learningId);
    expect(res.body.meta).toMatchObject({ has_more: false });
    const none = await fleet.api("GET", learningsApiPath(parseLearningFilters({ polarity: "rejected" }).filters));
    expect(none.body.data).toEqual([]);
  });
});
