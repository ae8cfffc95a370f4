import { describe, expect, it } from "vitest";
import { inlineText, parseInline } from "./markdown-parse";
import { chartTitle, statusChart, statusColumnOf, tableRecords, toneOf } from "./status-chart";

const rows = (statuses: (string | null)[]) => statuses.map((status, i) => ({ id: `i${i}`, name: `n${i}`, status }));

describe("the chart of a list result by status", () => {
  it("counts each status of three or more rows, most frequent first, with tones beside the labels", () => {
    const chart = statusChart(rows(["running", "error", "running", "stopped", "running"]));
    expect(chart).toEqual({
      column: "status",
      counted: 5,
      bars: [
        { label: "running", value: 3, tone: "ok" },
        { label: "error", value: 1, tone: "danger" },
        { label: "stopped", value: 1, tone: "neutral" },
      ],
    });
    expect(chartTitle(chart!, "Instance list results", false)).toBe("Instance list results by status (5 rows)");
    expect(chartTitle(chart!, "Instance list results", true)).toBe(
      "Instance list results by status (5 rows shown; more exist)",
    );
  });

  it("charts nothing for fewer than three rows, or without a status-like column", () => {
    expect(statusChart(rows(["running", "error"]))).toBeNull();
    expect(statusChart([{ name: "a" }, { name: "b" }, { name: "c" }])).toBeNull();
    // Numbers are not categories; nor are a dozen and more distinct values.
    expect(statusChart([{ status: 1 }, { status: 2 }, { status: 3 }])).toBeNull();
    expect(statusChart(rows(Array.from({ length: 13 }, (_, i) => `s${i}`)))).toBeNull();
  });

  it("counts rows without a value as (none), never drops them", () => {
    const chart = statusChart(rows(["running", null, "running", ""]));
    expect(chart?.bars).toEqual([
      { label: "running", value: 2, tone: "ok" },
      { label: "(none)", value: 2, tone: "neutral" },
    ]);
  });

  it("prefers status, then severity and state, then an x_status column most rows fill", () => {
    expect(statusColumnOf([{ severity: "high", state: "open" }])).toBe("severity");
    expect(statusColumnOf([{ state: "open" }])).toBe("state");
    expect(statusColumnOf([{ execution_status: "applied" }, { execution_status: null }])).toBe("execution_status");
    expect(
      statusColumnOf([
        { status: null, severity: "low" },
        { status: null, severity: "low" },
      ]),
    ).toBe("severity");
    expect(statusColumnOf([{ kind: "x" }])).toBeNull();
  });

  it("colours severities as the spec says: critical/high red, medium amber, low neutral", () => {
    expect(["critical", "high", "medium", "low", "Presumed dead"].map(toneOf)).toEqual([
      "danger",
      "danger",
      "warn",
      "neutral",
      "danger",
    ]);
  });

  it("reads a Markdown table by its header words", () => {
    const header = ["Name", "Status"].map((h) => inlineText(parseInline(h)));
    const cells = [
      ["`edge-1`", "**running**"],
      ["edge-2", "error"],
      ["edge-3", "running"],
    ].map((r) => r.map((c) => inlineText(parseInline(c))));
    const records = tableRecords(header, cells);
    expect(records[0]).toEqual({ name: "edge-1", status: "running" });
    expect(statusChart(records)?.bars.map((b) => [b.label, b.value])).toEqual([
      ["running", 2],
      ["error", 1],
    ]);
  });
});
