import { describe, expect, it } from "vitest";
import { type StorageAssignmentRow, storageAssignmentDrift, storageSignal } from "./storage-assignment-drift.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = storageAssignmentDrift.settings.parse({});
const row = (status: string, last: Date | null): StorageAssignmentRow => ({
  id: "0190aaaa-0000-7000-8000-0000000000c1",
  node_instance_id: "0190aaaa-0000-7000-8000-000000000002",
  status,
  last_status_at: last,
});

describe("storage_assignment_drift", () => {
  it.each<[string, Date | null, string | null]>([
    ["pending", ago(300), null],
    ["pending", ago(301), "medium"],
    ["provisioning", ago(301), "medium"],
    ["degraded", ago(3600), "medium"],
    ["failed", ago(300), null],
    ["failed", ago(301), "high"],
    ["failed", null, "high"],
    ["pending", null, "medium"],
    ["ready", ago(99999), null],
    ["ready", null, null],
  ])("%s, last status %s → %s", (status, last, severity) => {
    expect(storageSignal(row(status, last), defaults, now)?.severity ?? null).toBe(severity);
  });

  it("carries the spec's fingerprint and payload", () => {
    expect(storageSignal(row("failed", null), defaults, now)).toEqual({
      kind: "fleet.storage_assignment_drift",
      severity: "high",
      sensor: "storage_assignment_drift",
      fingerprint: "storage_assignment_drift:0190aaaa-0000-7000-8000-0000000000c1",
      payload: {
        storage_assignment_id: "0190aaaa-0000-7000-8000-0000000000c1",
        node_instance_id: "0190aaaa-0000-7000-8000-000000000002",
        status: "failed",
        last_status_at: null,
      },
      refs: { node_instance_id: "0190aaaa-0000-7000-8000-000000000002" },
    });
  });
});
