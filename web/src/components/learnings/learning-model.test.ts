import { describe, expect, it } from "vitest";
import {
  evidenceHref,
  evidenceLabel,
  evidenceRef,
  hasFilters,
  learningsApiPath,
  learningsHref,
  parseLearningFilters,
  scoreText,
} from "./learning-model";

const ID = "0190aaaa-0000-7000-8000-000000000001";

describe("learning filters", () => {
  it("reads known values from the query string", () => {
    const { filters, ignored } = parseLearningFilters({
      source: "attribution_feedback",
      polarity: "rejected",
      status: "active",
      category: "failure_mode",
      tag: " outcome:rejected ",
      q: "nginx",
      limit: "20",
    });
    expect(ignored).toEqual([]);
    expect(filters).toEqual({
      source: "attribution_feedback",
      polarity: "rejected",
      status: "active",
      category: "failure_mode",
      tag: "outcome:rejected",
      q: "nginx",
      limit: 20,
      cursor: null,
    });
    expect(hasFilters(filters)).toBe(true);
  });

  it("sets aside what is not valid, naming it", () => {
    const { filters, ignored } = parseLearningFilters({ polarity: "maybe", limit: "0", q: "x".repeat(201) });
    expect(filters.polarity).toBeNull();
    expect(filters.limit).toBe(50);
    expect(filters.q).toBeNull();
    expect(ignored).toEqual([
      'polarity: "maybe" is not one of confirmed, rejected, neutral',
      "q: longer than 200 characters",
      'limit: "0" is not a whole number from 1 to 200',
    ]);
    expect(hasFilters(filters)).toBe(false);
  });

  it("takes the last of a repeated parameter and treats empty as unset", () => {
    const { filters } = parseLearningFilters({ status: ["active", "verified"], source: "" });
    expect(filters.status).toBe("verified");
    expect(filters.source).toBeNull();
  });

  it("asks learning.list for exactly the filters set", () => {
    const { filters } = parseLearningFilters({ tag: "module:abc", polarity: "confirmed", cursor: "c1" });
    expect(learningsApiPath(filters)).toBe("/api/v1/learnings?polarity=confirmed&tag=module%3Aabc&limit=50&cursor=c1");
  });

  it("links to the page with a filter changed, back at the first page", () => {
    const { filters } = parseLearningFilters({ polarity: "confirmed", cursor: "c1", limit: "20" });
    expect(learningsHref(filters, { tag: "attribution" })).toBe(
      "/learnings?polarity=confirmed&tag=attribution&limit=20",
    );
    expect(learningsHref(filters, { cursor: "c2" })).toBe("/learnings?polarity=confirmed&limit=20&cursor=c2");
    expect(learningsHref(parseLearningFilters({}).filters)).toBe("/learnings");
  });
});

describe("scores", () => {
  it("shows two decimals, and null as not measured (never 0)", () => {
    expect(scoreText(0.7)).toBe("0.70");
    expect(scoreText(0)).toBe("0.00");
    expect(scoreText(null)).toBe("not measured");
  });
});

describe("evidence", () => {
  it("links a prefixed id of a known kind", () => {
    expect(evidenceRef(`event:${ID}`)).toEqual({ type: "linked", kind: "event", id: ID });
    expect(evidenceRef(`req:${ID}`)).toEqual({ type: "linked", kind: "approval", id: ID });
    expect(evidenceHref("event", ID)).toBe(`/fleet/events/${ID}`);
    expect(evidenceHref("approval", ID)).toBe(`/approvals/${ID}`);
    expect(evidenceHref("task", ID)).toBeNull();
  });

  it("leaves a bare id to be looked up, and anything else as text", () => {
    expect(evidenceRef(ID)).toEqual({ type: "id", id: ID });
    expect(evidenceRef("tick:0123456789abcdef")).toEqual({ type: "text", text: "tick:0123456789abcdef" });
    expect(evidenceRef("remediation 12")).toEqual({ type: "text", text: "remediation 12" });
  });

  it("labels a found object by its name, title or kind", () => {
    expect(evidenceLabel("instance", { data: { name: "web-1" } })).toBe("instance web-1");
    expect(evidenceLabel("event", { data: { kind: "instance.transitioned" } })).toBe("event instance.transitioned");
    expect(evidenceLabel("approval", { data: { action_category: "instance.reboot" } })).toBe(
      "approval instance.reboot",
    );
    expect(evidenceLabel("node", {})).toBe("node");
  });
});
