import { describe, expect, it } from "vitest";
import { type GitopsRepositoryRow, gitopsDrift, gitopsSignal } from "./gitops-drift.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = gitopsDrift.settings.parse({});
const REPO = "0190aaaa-0000-7000-8000-0000000000a1";
const summary = (create: number, update: number, destroy: number) => ({ create, update, destroy });
const row = (over: Partial<GitopsRepositoryRow>): GitopsRepositoryRow => ({
  id: REPO,
  name: "fleet",
  branch: "main",
  created_at: ago(10 * 86400),
  synced_revision: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
  completed_at: ago(600),
  diff_count: 3,
  diff_summary: summary(2, 1, 0),
  pending_proposal_count: 3,
  ...over,
});

describe("gitops_drift", () => {
  it.each<[string, Partial<GitopsRepositoryRow>, string | null, string | null]>([
    ["in sync", { diff_count: 0, diff_summary: summary(0, 0, 0) }, null, null],
    ["3 changes", {}, "fleet.gitops_drift", "medium"],
    ["10 changes", { diff_count: 10, diff_summary: summary(10, 0, 0) }, "fleet.gitops_drift", "medium"],
    ["11 changes", { diff_count: 11, diff_summary: summary(6, 5, 0) }, "fleet.gitops_drift", "high"],
    ["one destroy", { diff_count: 1, diff_summary: summary(0, 0, 1) }, "fleet.gitops_drift", "high"],
    ["run exactly 24 h old with a diff", { completed_at: ago(86400) }, "fleet.gitops_drift", "medium"],
    ["run older than 24 h", { completed_at: ago(86401) }, "fleet.gitops_sync_stale", "medium"],
    ["run older than 24 h, in sync", { completed_at: ago(90000), diff_count: 0 }, "fleet.gitops_sync_stale", "medium"],
    [
      "never synced, registered 2 days ago",
      { completed_at: null, synced_revision: null, diff_count: null, diff_summary: null },
      "fleet.gitops_sync_stale",
      "medium",
    ],
    [
      "never synced, registered an hour ago",
      { created_at: ago(3600), completed_at: null, synced_revision: null, diff_count: null, diff_summary: null },
      null,
      null,
    ],
  ])("%s → %s %s", (_label, over, kind, severity) => {
    const s = gitopsSignal(row(over), defaults, now);
    expect(s?.kind ?? null).toBe(kind);
    expect(s?.severity ?? null).toBe(severity);
  });

  it("fingerprints drift by repository and revision, staleness by repository", () => {
    expect(gitopsSignal(row({}), defaults, now)?.fingerprint).toBe(
      `gitops_drift:${REPO}:4b825dc642cb6eb9a060e54bf8d69288fbee4904`,
    );
    expect(gitopsSignal(row({ completed_at: ago(90000) }), defaults, now)?.fingerprint).toBe(
      `gitops_sync_stale:${REPO}`,
    );
  });

  it("carries the spec's payload", () => {
    expect(gitopsSignal(row({}), defaults, now)?.payload).toEqual({
      repository_id: REPO,
      repository_name: "fleet",
      branch: "main",
      synced_revision: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
      last_sync_at: ago(600).toISOString(),
      diff_count: 3,
      diff_summary: { create: 2, update: 1, destroy: 0 },
      pending_proposal_count: 3,
    });
  });

  it("takes thresholds from the account's settings", () => {
    const s = gitopsDrift.settings.parse({ high_diff_count: 2, stale_threshold_seconds: 300 });
    expect(gitopsSignal(row({}), s, now)?.kind).toBe("fleet.gitops_sync_stale");
    expect(gitopsSignal(row({ completed_at: ago(60) }), s, now)?.severity).toBe("high");
  });
});
